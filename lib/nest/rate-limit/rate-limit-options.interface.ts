import type { ExecutionContext } from '@nestjs/common';
import type {
  RateLimitFailurePolicy,
  RateLimitPolicy,
} from '../../engine/rate-limit/rate-limit.interfaces.js';

export { STORE_RATE_LIMIT_OPTIONS } from './rate-limit.constants.js';

/**
 * Which response headers `RateLimitGuard` sets on HTTP responses (and GraphQL over HTTP):
 * - `'legacy'`: `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (seconds until
 *   reset) for the most constrained policy, and `Retry-After` (seconds) on a 429.
 * - `'ietf'`: the IETF draft fields `RateLimit-Policy: "default";q=100;w=60` and
 *   `RateLimit: "default";r=42;t=17`, one item per policy, and `Retry-After` on a 429.
 * - `'both'`: all of the above.
 * - `false`: no headers at all (not even `Retry-After`).
 */
export type RateLimitHeadersMode = 'legacy' | 'ietf' | 'both' | false;

/**
 * Returns the identity a request is counted under (a user id, an API key, a tenant...).
 * An empty string, `null` or `undefined` means "do not rate-limit this call".
 */
export type RateLimitKeyFunction = (
  context: ExecutionContext,
) => string | null | undefined | Promise<string | null | undefined>;

/**
 * Who a request is counted against:
 * - `'ip'`: the client IP as the platform resolves it (Express `req.ip`, so `trust proxy` decides;
 *   Fastify `request.ip`, so `trustProxy` decides), IPv6 grouped by /64, IPv4-mapped IPv6 as IPv4.
 *   WebSocket: the address of the socket. RPC has no IP: calls are not limited.
 * - `'user'`: `req.user.id`, else `req.user.sub` (as set by an auth guard that ran before), else
 *   the IP.
 * - a function of the `ExecutionContext` (the only source that also works for RPC).
 */
export type RateLimitKey = 'ip' | 'user' | RateLimitKeyFunction;

/**
 * A policy as `@RateLimit` and the module defaults take it: a `RateLimitPolicy` plus where it
 * counts.
 */
export interface RateLimitRule extends RateLimitPolicy {
  /**
   * The counter's scope. By default each route counts on its own (`Controller.handler`); give
   * several routes (or all, in the module defaults) the same scope to share one counter.
   */
  scope?: string;
  /** Who is counted, for this policy only. Default: the module's `key`, else `'ip'`. */
  key?: RateLimitKey;
  /** The store that counts: a `name` registered with `forRoot`. Default: the default store. */
  store?: string;
}

/** Module-level rate-limit options: `StoreModule.forRoot({ rateLimit: { ... } })`. */
export interface StoreRateLimitOptions {
  /**
   * Policies that apply wherever `RateLimitGuard` runs: on every route when the guard is registered
   * as `APP_GUARD`, and on `@RateLimit` routes. A `@RateLimit` policy with the same name replaces a
   * default; other names are added. Default: none.
   */
  defaults?: RateLimitRule | RateLimitRule[];
  /** Rate-limit response headers. Default `'legacy'`. */
  headers?: RateLimitHeadersMode;
  /** Who a request is counted against, unless a policy says otherwise. Default `'ip'`. */
  key?: RateLimitKey;
  /**
   * When the store cannot be reached: `'open'` admits the request (and logs), `'closed'` refuses it
   * with a 503, `'memory'` counts in this process (per instance, same algorithm; a refusal is a
   * 429) until a check reaches the store again. Applies to every policy without its own `failure`.
   * Default `'open'`.
   */
  failure?: RateLimitFailurePolicy;
  /**
   * How many refused keys `RateLimiterService` remembers in process at most, per policy, to answer
   * a flood from them without store round trips (when full, the oldest is forgotten: it then costs
   * one round trip). A positive integer.
   * @default 10_000
   */
  maxBlockedKeys?: number;
}
