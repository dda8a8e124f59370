import type { Ttl } from '../../common/ttl.js';
import type { RateLimitAlgorithm } from './algorithms/registry.js';

export type { RateLimitAlgorithm } from './algorithms/registry.js';

/**
 * What a rate limiter does when the store cannot be reached within `commandTimeout`: `'open'`
 * admits, `'closed'` refuses, `'memory'` counts in process (per instance) with the same algorithm
 * until a check reaches the store again.
 */
export type RateLimitFailurePolicy = 'open' | 'closed' | 'memory';

/** A limit: at most `limit` requests per `window`, counted with `algorithm`. */
export interface RateLimitPolicy {
  /** Name, for headers, `@SkipRateLimit(name)` and the 429 body. Default `'default'`. */
  name?: string;
  /** Requests allowed per window (token bucket and GCRA: the burst size). A positive integer. */
  limit: number;
  /**
   * The window: seconds, or a duration such as `'1m'` (token bucket / GCRA: time to refill
   * `limit`).
   */
  window: Ttl;
  /** Counting algorithm. Default `'sliding-window'`. */
  algorithm?: RateLimitAlgorithm;
  /** Once over the limit, refuse the key for this long (instead of until the window frees up). */
  blockDuration?: Ttl;
  /**
   * When the store is unreachable: `'open'` admits (and logs), `'closed'` refuses, `'memory'`
   * counts in this process with the same algorithm (each instance on its own) until the store
   * answers again. Default: the module's, else `'open'`.
   */
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
