import type { StoreError } from '../errors/store.errors.js';
import type { StoreKeyEvent } from './event-scope.js';

/**
 * Where a `getOrSet` answer came from: the channel it is published on (`cache.hit`, `cache.miss`,
 * `cache.stale`).
 */
export type CacheLookupStatus = 'hit' | 'miss' | 'stale';

/**
 * Payload of `cache.hit`, `cache.miss` and `cache.stale`: one per `getOrSet`, `getOrSetWithStatus`
 * or `@Cacheable` call that was not answered from L1 (an L1 answer is `cache.l1.hit`).
 */
export interface CacheLookupEvent extends StoreKeyEvent {
  /** Where the value came from (the channel's event). */
  status: CacheLookupStatus;
  /**
   * How long the call waited for its value, in ms. A miss includes the load; callers sharing one
   * load each count it.
   */
  durationMs: number;
}

/** Payload of `cache.l1.hit`: a value answered from the in-process tier, without a round trip. */
export interface CacheL1HitEvent extends StoreKeyEvent {
  /** The call that was answered. */
  operation: 'get' | 'getOrSet';
}

/**
 * Payload of `cache.fallback`: a store command on the cache path failed, and the call went on
 * without the cache.
 */
export interface CacheFallbackEvent extends StoreKeyEvent {
  /** The call whose command failed (`'getOrSet'`, which `@Cacheable` runs too). */
  operation: string;
  /** What the store failed with (usually a `StoreConnectionError`). */
  error: StoreError;
  /** Cache-path fallbacks of this store so far, this one included. */
  fallbacks: number;
}

/**
 * The `X-Cache` answer of a `@Cacheable` HTTP route; `bypass`: the handler ran and nothing was
 * stored.
 */
export type CacheHttpStatus = 'hit' | 'miss' | 'stale' | 'bypass';

/**
 * Payload of `cache.http`: one per HTTP request a `@Cacheable` route (or the global interceptor)
 * answered.
 */
export interface CacheHttpEvent {
  /**
   * The store the route is cached in (`'default'` unless `@Cacheable({ store })` names another).
   */
  store: string;
  /** The `X-Cache` status sent. */
  status: CacheHttpStatus;
  /** The handler, as `ClassName.methodName`. */
  handler: string;
  /**
   * The route's cache key (as the store names it, before `keyPrefix`); absent when the call was
   * bypassed before it had one.
   */
  key?: string;
  /**
   * Why the call was bypassed before the cache was read (a credential header, `condition`, ...).
   */
  reason?: string;
}

/**
 * Context of the `cache.load` TracingChannel: one loader run of `getOrSet` / `@Cacheable` (a miss,
 * a background refresh, or a load while the store is unreachable). Subscribers time it from
 * `start` to `asyncEnd`.
 */
export interface CacheLoadContext extends StoreKeyEvent {
  /** Set by Node when the loader resolved: its value. */
  result?: unknown;
  /** Set by Node when the loader threw or rejected. */
  error?: unknown;
}
