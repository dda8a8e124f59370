import type { RateLimitAlgorithm } from '../../rate-limit/rate-limit.interfaces.js';
import type { RateLimitArgs, RateLimitKeys, RawRateLimitReply } from '../store-driver.interface.js';
import type { MemoryKeyspace } from './memory-keyspace.js';

/*
 * The rate-limit scripts of the Redis driver (redis/rate-limit-scripts.ts), step by step in
 * process: same integer arithmetic, same replies, same TTLs. State is kept in the memory keyspace
 * as JSON strings; the block key holds '1' for blockMs. `Date.now()` plays the part of Redis TIME.
 */

/** One check, as the Lua script would run it; synchronous, hence atomic in process. */
export function memoryRateLimit(
  keyspace: MemoryKeyspace,
  algorithm: RateLimitAlgorithm,
  keys: RateLimitKeys,
  args: RateLimitArgs,
  now = Date.now(),
): RawRateLimitReply {
  const check = new Check(keyspace, keys, args, now);
  // As in the scripts: only policies with a blockDuration ever block, so only they look for a block.
  const blocked = args.blockMs > 0 ? check.blockedFor() : 0;
  if (blocked > 0) return reply(false, 0, blocked, blocked, now);
  return ALGORITHMS[algorithm](check);
}

/** What every algorithm shares: arguments, clock, state access and `refuse`. */
class Check {
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

  /** The stored state, or undefined. */
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

function reply(allowed: boolean, remaining: number, resetAfterMs: number, retryAfterMs: number, serverNowMs: number): RawRateLimitReply {
  return { allowed, remaining, resetAfterMs, retryAfterMs, serverNowMs };
}

interface WindowState {
  w: number;
  c: number;
}

function fixedWindow(check: Check): RawRateLimitReply {
  const { now, window, limit, cost, need } = check;
  const start = now - (now % window);
  const left = start + window - now;
  const state = check.state<WindowState>();
  let count = 0;
  if (state?.w === start) count = state.c;
  if (count + need > limit) return check.refuse(left, left);
  if (cost > 0) {
    count += cost;
    check.save({ w: start, c: count } satisfies WindowState, left);
  }
  return check.allow(limit - count, count > 0 ? left : 0);
}

interface SlidingWindowState extends WindowState {
  p: number;
}

function slidingWindow(check: Check): RawRateLimitReply {
  const { now, window, limit, cost, need } = check;
  const start = now - (now % window);
  const elapsed = now - start;
  const state = check.state<SlidingWindowState>();
  let curr = 0;
  let prev = 0;
  if (state?.w === start) {
    curr = state.c;
    prev = state.p;
  } else if (state?.w === start - window) {
    prev = state.c;
  }
  // Smallest elapsed time e in a window at which floor(count * (window - e) / window) <= room.
  const decayed = (count: number, room: number) => (count <= room ? 0 : Math.floor((window * (count - room - 1)) / count) + 1);
  const resetAfter = (c: number, p: number) => (c > 0 ? window - elapsed + window : p > 0 ? window - elapsed : 0);
  let used = Math.floor((prev * (window - elapsed)) / window) + curr;
  if (used + need > limit) {
    let retry: number;
    if (limit - need - curr >= 0) retry = decayed(prev, limit - need - curr) - elapsed;
    else if (need <= limit) retry = window - elapsed + decayed(curr, limit - need);
    else retry = window - elapsed + window;
    return check.refuse(resetAfter(curr, prev), retry);
  }
  if (cost > 0) {
    curr += cost;
    used += cost;
    check.save({ w: start, c: curr, p: prev } satisfies SlidingWindowState, window - elapsed + window);
  }
  return check.allow(limit - used, resetAfter(curr, prev));
}

function slidingLog(check: Check): RawRateLimitReply {
  const { now, window, limit, cost, need } = check;
  const from = now - window;
  // The sorted set's scores, ascending; an entry counts while its score > now - window.
  const log = (check.state<number[]>() ?? []).filter((score) => score > from);
  const count = log.length;
  const resetAfter = (entries: number[]) => (entries.length === 0 ? 0 : entries[entries.length - 1] + window - now);
  if (count + need > limit) {
    const retry = need <= limit ? log[count + need - limit - 1] + window - now : window;
    return check.refuse(resetAfter(log), retry);
  }
  if (cost > 0) {
    for (let i = 0; i < cost; i++) insertSorted(log, now);
    check.save(log, window);
  }
  return check.allow(limit - log.length, resetAfter(log));
}

/** Inserts like ZADD: ordered by score, a new member after existing ones with the same score. */
function insertSorted(scores: number[], score: number): void {
  let i = scores.length;
  while (i > 0 && scores[i - 1] > score) i--;
  scores.splice(i, 0, score);
}

interface TokenBucketState {
  u: number;
  ts: number;
}

function tokenBucket(check: Check): RawRateLimitReply {
  const { now, window, limit, cost, need } = check;
  const full = limit * window;
  const state = check.state<TokenBucketState>();
  let units = full;
  if (state) units = Math.min(full, state.u + Math.max(0, now - state.ts) * limit);
  const needUnits = need * window;
  if (units < needUnits) return check.refuse(Math.ceil((full - units) / limit), Math.ceil((needUnits - units) / limit));
  if (cost > 0) {
    units -= cost * window;
    check.save({ u: units, ts: now } satisfies TokenBucketState, Math.ceil((full - units) / limit));
  }
  return check.allow(Math.floor(units / window), Math.ceil((full - units) / limit));
}

interface GcraState {
  t: number;
  f: number;
}

function gcra(check: Check): RawRateLimitReply {
  const { now, window, limit, cost, need } = check;
  const tolerance = limit * window;
  const state = check.state<GcraState>();
  let d = 0;
  if (state) d = Math.max(0, (state.t - now) * limit + state.f);
  const nd = d + need * window;
  if (nd > tolerance) return check.refuse(Math.ceil(d / limit), Math.ceil((nd - tolerance) / limit));
  if (cost > 0) {
    d = nd;
    check.save({ t: now + Math.floor(d / limit), f: d % limit } satisfies GcraState, Math.ceil(d / limit));
  }
  return check.allow(Math.floor((tolerance - d) / window), Math.ceil(d / limit));
}

const ALGORITHMS: Readonly<Record<RateLimitAlgorithm, (check: Check) => RawRateLimitReply>> = {
  'fixed-window': fixedWindow,
  'sliding-window': slidingWindow,
  'sliding-log': slidingLog,
  'token-bucket': tokenBucket,
  gcra,
};
