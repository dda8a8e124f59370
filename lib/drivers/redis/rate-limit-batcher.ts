import type { Cluster, Redis } from 'ioredis';
import type {
  RateLimitArgs,
  RateLimitKeys,
  RateLimitScript,
  RawRateLimitReply,
} from '../store-driver.interface.js';
import type { LuaScript } from './lua-script.js';
import { rateLimitLua } from './rate-limit-scripts.js';

/** Checks per script call at most: big enough to spare Redis the per-call cost, small enough that
 * Redis runs one batch while the app prepares the next. */
export const MAX_RATE_LIMIT_BATCH = 32;

/** Reply fields per check; the server time comes once, last. */
const FIELDS = 4;

interface Batch {
  script: LuaScript;
  keys: string[];
  args: number[];
  waiters: Array<{ resolve: (reply: RawRateLimitReply) => void; reject: (error: unknown) => void }>;
}

/**
 * Sends the rate-limit checks made in one turn of the event loop as few script calls: the checks of
 * a script share one EVALSHA (at most `MAX_RATE_LIMIT_BATCH`), which runs them one after
 * another, each atomically, in the order they were made. A small script spends most of its server
 * time being entered and left, so a batch costs Redis far less than as many calls, and the answers
 * are the ones separate calls would give. Batches are flushed in the same turn ioredis's
 * auto-pipelining would flush, so no latency is added.
 *
 * On a Cluster a script may only touch one slot, so a batch holds the checks of one state key (many
 * callers of one client and policy still share a call).
 */
export class RateLimitBatcher {
  private readonly open = new Map<string, Batch>();
  private flushScheduled = false;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly cluster: boolean,
    /** Turns a failure (of the call, or of one check) into the driver's typed error. */
    private readonly failure: (error: unknown) => unknown,
  ) {}

  /** Queues one check; resolves with its own reply. */
  check(
    script: RateLimitScript,
    keys: RateLimitKeys,
    args: RateLimitArgs,
  ): Promise<RawRateLimitReply> {
    return new Promise((resolve, reject) => {
      const group = this.cluster ? keys.state : script.id;
      const batch = this.batchFor(group, rateLimitLua(script));
      batch.keys.push(keys.state, keys.block);
      batch.args.push(args.limit, args.windowMs, args.cost, args.blockMs);
      batch.waiters.push({ resolve, reject });
      if (batch.waiters.length >= MAX_RATE_LIMIT_BATCH) this.send(group);
    });
  }

  /**
   * The open batch of `group` for `script`; one of another script (the same id or key) is sent
   * first, keeping call order.
   */
  private batchFor(group: string, script: LuaScript): Batch {
    let batch = this.open.get(group);
    if (batch !== undefined && batch.script !== script) {
      this.send(group);
      batch = undefined;
    }
    if (batch === undefined) {
      batch = { script, keys: [], args: [], waiters: [] };
      this.open.set(group, batch);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flush);
      }
    }
    return batch;
  }

  /** Sends every queued check now (on close, so none is left behind). */
  readonly flush = (): void => {
    this.flushScheduled = false;
    for (const group of [...this.open.keys()]) this.send(group);
  };

  private send(group: string): void {
    const batch = this.open.get(group)!;
    this.open.delete(group);
    const { script } = batch;
    // A batch goes out at once, so Redis works on it while the next one is being filled; a lone
    // check joins ioredis's auto-pipeline with the other commands of this turn.
    const reply =
      batch.waiters.length > 1
        ? script.runNow(this.client, batch.keys, batch.args)
        : script.run(this.client, batch.keys, batch.args);
    reply.then(
      (reply) => this.settle(batch, reply as Array<number | string>),
      (error: unknown) => {
        const failed = this.failure(error);
        for (const waiter of batch.waiters) waiter.reject(failed);
      },
    );
  }

  private settle(batch: Batch, reply: Array<number | string>): void {
    const serverNowMs = reply[reply.length - 1] as number;
    batch.waiters.forEach((waiter, i) => {
      const at = i * FIELDS;
      const allowed = reply[at] as number;
      if (allowed === -1) {
        waiter.reject(this.failure(scriptError(reply[at + 1])));
        return;
      }
      waiter.resolve({
        allowed: allowed === 1,
        remaining: reply[at + 1] as number,
        resetAfterMs: reply[at + 2] as number,
        retryAfterMs: reply[at + 3] as number,
        serverNowMs,
      });
    });
  }
}

/** A check's own failure inside the script, shaped like the server error it was. */
function scriptError(message: unknown): Error {
  const error = new Error(String(message));
  error.name = 'ReplyError';
  return error;
}
