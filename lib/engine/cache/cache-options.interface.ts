import type { Ttl } from '../../common/ttl.js';

/** Early refresh: recompute a hot key before it expires so readers never wait for it. */
export type EarlyRefresh =
  /**
   * Probabilistic (XFetch, Vattani et al. 2015): refresh when
   * `now - delta * beta * ln(random()) >= expiry`.
   */
  | { beta?: number }
  /** Refresh once less than this fraction of the TTL remains (e.g. `0.2`: in the last 20 %). */
  | { threshold: number };

/** Options of `getOrSet` / `getOrSetWithStatus` (and of `@Cacheable`). */
export interface StoreCacheOptions {
  /**
   * Time the value is fresh: seconds, or a duration such as `'30s'`. Default: the module's
   * `defaultTtl`.
   */
  ttl?: Ttl;
  /** Tags to invalidate this entry by (`invalidateTags`). */
  tags?: string[];
  /**
   * Stale-while-revalidate: after `ttl`, the value is kept this much longer and served stale while
   * one background refresh runs; if the loader fails, stale is served within the grace period
   * instead of the error. Default: none.
   */
  grace?: Ttl;
  /**
   * Refresh before expiry: `true` for XFetch with beta 1, or an `EarlyRefresh` policy. Default:
   * off.
   */
  earlyRefresh?: boolean | EarlyRefresh;
  /**
   * With a stale value at hand, serve it after this long and let the load finish in the background.
   */
  softTimeout?: Ttl;
  /**
   * Reject with `StoreLoaderTimeoutError` after this long (the load is abandoned for this caller).
   */
  hardTimeout?: Ttl;
  /**
   * Single-flight across instances: a lease lock in Redis lets one instance load while the others
   * wait and pick the value up as soon as it is written. Default `true` (no effect on the memory
   * driver, where in-process single-flight already covers every caller, nor on a driver without
   * the `leases` capability, where loads stay single-flight per instance).
   */
  lock?: boolean;
  /** Use the in-process L1 tier for this entry when the module has one. Default `true`. */
  l1?: boolean;
}

/** Where a `getOrSetWithStatus` value came from. */
export type CacheStatus = 'hit' | 'miss' | 'stale';

/** A cached value and where it came from (e.g. for an `X-Cache` header). */
export interface CacheLookup<T> {
  /** The value. */
  value: T;
  /**
   * `hit`: cached and fresh; `miss`: loaded now; `stale`: served past its TTL within the grace
   * period.
   */
  status: CacheStatus;
}

/** Options of the in-process L1 tier (`StoreModuleOptions.l1`). */
export interface StoreL1Options {
  /**
   * Most entries kept per process; the least recently used go first.
   * @default 10000
   */
  maxEntries?: number;
  /**
   * Longest an entry stays in L1 (it never outlives its Redis TTL either).
   * @default '1m'
   */
  ttl?: Ttl;
}
