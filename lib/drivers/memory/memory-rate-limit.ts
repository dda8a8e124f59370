import type {
  RateLimitArgs,
  RateLimitCheckContext,
  RateLimitKeys,
  RateLimitScript,
  RawRateLimitReply,
} from '../store-driver.interface.js';
import type { MemoryKeyspace } from './memory-keyspace.js';

/*
 * The Redis driver's rate-limit frame (redis/rate-limit-scripts.ts) in process, around a script's
 * `memory` step: same block handling, same replies, same TTLs. State is kept in the memory keyspace
 * as JSON strings; the block key holds '1' for blockMs. `Date.now()` plays the part of Redis TIME.
 */

/** One check, as the Lua script would run it; synchronous, hence atomic in process. */
export function memoryRateLimit(
  keyspace: MemoryKeyspace,
  script: RateLimitScript,
  keys: RateLimitKeys,
  args: RateLimitArgs,
  now = Date.now(),
): RawRateLimitReply {
  const check = new Check(keyspace, keys, args, now);
  // As in the scripts: only policies with a blockDuration ever block, so only they look for a
  // block.
  const blocked = args.blockMs > 0 ? check.blockedFor() : 0;
  if (blocked > 0) return reply(false, 0, blocked, blocked, now);
  return script.memory(check);
}

/** What every script's step shares: arguments, clock, state access and `refuse`. */
class Check implements RateLimitCheckContext {
  readonly limit: number;
  readonly window: number;
  readonly cost: number;
  readonly need: number;

  constructor(
    private readonly keyspace: MemoryKeyspace,
    private readonly keys: RateLimitKeys,
    private readonly args: RateLimitArgs,
    readonly now: number,
  ) {
    this.limit = args.limit;
    this.window = args.windowMs;
    this.cost = args.cost;
    this.need = args.cost === 0 ? 1 : args.cost;
  }

  /** PTTL of the block key (> 0 while blocked). */
  blockedFor(): number {
    const entry = this.keyspace.read(this.keys.block, this.now);
    return entry ? entry.expiresAt - this.now : 0;
  }

  state<T>(): T | undefined {
    const entry = this.keyspace.read(this.keys.state, this.now);
    return entry ? (JSON.parse(entry.value) as T) : undefined;
  }

  /** Writes the state with a TTL (HSET + PEXPIRE, or ZADD + PEXPIRE). */
  save(state: unknown, ttlMs: number): void {
    this.keyspace.write(this.keys.state, JSON.stringify(state), ttlMs);
  }

  /** Refuses, blocking the key for blockMs when this is a consume. */
  refuse(resetAfter: number, retryAfter: number): RawRateLimitReply {
    const { blockMs } = this.args;
    if (this.cost > 0 && blockMs > 0) {
      this.keyspace.write(this.keys.block, '1', blockMs);
      retryAfter = blockMs;
      if (resetAfter < blockMs) resetAfter = blockMs;
    }
    return reply(false, 0, resetAfter, retryAfter, this.now);
  }

  allow(remaining: number, resetAfter: number): RawRateLimitReply {
    return reply(true, remaining, resetAfter, 0, this.now);
  }
}

function reply(
  allowed: boolean,
  remaining: number,
  resetAfterMs: number,
  retryAfterMs: number,
  serverNowMs: number,
): RawRateLimitReply {
  return { allowed, remaining, resetAfterMs, retryAfterMs, serverNowMs };
}
