import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/**
 * A Lua script sent by SHA (EVALSHA) and loaded with EVAL only when a server answers NOSCRIPT
 * (first use, restart, failover, a new Cluster node), so the body crosses the wire once per server.
 * Scripts here declare every key they touch and touch one key (one hash slot): Cluster-safe.
 */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script on `client` with `keys` and `args`. */
  async run(client: Redis | Cluster, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
