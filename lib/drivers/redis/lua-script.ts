import { createHash } from 'node:crypto';
import { Command, type Cluster, type Redis } from 'ioredis';
import { replyCodeOf } from '../../errors/reply-code.js';

/**
 * A Lua script sent by SHA (EVALSHA) and loaded with EVAL only when a server answers NOSCRIPT
 * (first use, restart, failover, a new Cluster node), so the body crosses the wire once per server.
 * Scripts here declare every key they touch and touch one hash slot: Cluster-safe.
 */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script on `client` with `keys` and `args` (auto-pipelined when the client does). */
  run(client: Redis | Cluster, keys: string[], args: Array<string | number>): Promise<unknown> {
    return this.evaluate((name, script) =>
      name === 'evalsha'
        ? client.evalsha(script, keys.length, ...keys, ...args)
        : client.eval(script, keys.length, ...keys, ...args),
    );
  }

  /**
   * Runs the script now, written to the socket in this tick rather than in auto-pipelining's next
   * turn: for a call that already holds many commands' worth of work, so Redis starts on it while
   * the app is still preparing the next.
   */
  runNow(client: Redis | Cluster, keys: string[], args: Array<string | number>): Promise<unknown> {
    return this.evaluate((name, script) => send(client, name, script, keys, args));
  }

  /** By SHA first; with the body when the server does not have it (NOSCRIPT). */
  private async evaluate(
    call: (name: 'evalsha' | 'eval', script: string) => Promise<unknown>,
  ): Promise<unknown> {
    try {
      return await call('evalsha', this.sha);
    } catch (error) {
      if (replyCodeOf(error) !== 'NOSCRIPT') throw error;
      return call('eval', this.source);
    }
  }
}

function send(
  client: Redis | Cluster,
  name: string,
  script: string,
  keys: string[],
  args: Array<string | number>,
): Promise<unknown> {
  const command = new Command(name, [script, keys.length, ...keys, ...args], {
    replyEncoding: 'utf8',
  });
  // sendCommand is typed as internal on Cluster; it routes by the command's first key like any
  // call.
  return (client as Redis).sendCommand(command) as Promise<unknown>;
}
