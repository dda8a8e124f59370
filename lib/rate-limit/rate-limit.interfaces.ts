import type { Ttl } from '../common/ttl.js';

/**
 * How requests are counted:
 * - `fixed-window`: a counter per window; cheapest; allows bursts of up to 2x `limit` across a window edge.
 * - `sliding-window`: two fixed windows weighted by overlap (approximate sliding); smooth, one key pair.
 * - `sliding-log`: every request's timestamp in a sorted set; exact; memory grows with `limit`.
 * - `token-bucket`: `limit` tokens, refilled continuously over `window`; allows bursts up to `limit`.
 * - `gcra`: generic cell rate (leaky bucket as a meter): evenly spaced requests, a burst of `limit`.
 */
export type RateLimitAlgorithm = 'fixed-window' | 'sliding-window' | 'sliding-log' | 'token-bucket' | 'gcra';

/** What a rate limiter does when the store cannot be reached within `commandTimeout`. */
export type RateLimitFailurePolicy = 'open' | 'closed';

/** A limit: at most `limit` requests per `window`, counted with `algorithm`. */
export interface RateLimitPolicy {
  /** Name, for headers, `@SkipRateLimit(name)` and the 429 body. Default `'default'`. */
  name?: string;
  /** Requests allowed per window (token bucket and GCRA: the burst size). A positive integer. */
  limit: number;
  /** The window: seconds, or a duration such as `'1m'` (token bucket / GCRA: time to refill `limit`). */
  window: Ttl;
  /** Counting algorithm. Default `'sliding-window'`. */
  algorithm?: RateLimitAlgorithm;
  /** Once over the limit, refuse the key for this long (instead of until the window frees up). */
  blockDuration?: Ttl;
  /** When the store is unreachable: `'open'` admits (and logs), `'closed'` refuses. Default: the module's, else `'open'`. */
  failure?: RateLimitFailurePolicy;
}

/** The outcome of one check. */
export interface RateLimitResult {
  /** Whether this request is admitted. */
  allowed: boolean;
  /** The policy's limit. */
  limit: number;
  /** Requests still allowed now (0 when refused). */
  remaining: number;
  /** When the limit fully resets (epoch ms). */
  resetAt: number;
  /** Seconds until a refused request may be retried (0 when allowed). */
  retryAfter: number;
}
