import type { ConnectionStateName } from '../../telemetry/connection.events.js';

/** Percentiles of one timed operation, in ms, from a bounded histogram (within 2%). */
export interface StoreLatencyStats {
  /** How many operations were timed. */
  count: number;
  /** Median (`0` while `count` is 0). */
  p50: number;
  /** 90th percentile. */
  p90: number;
  /** 99th percentile. */
  p99: number;
  /** The slowest, exact. */
  max: number;
}

/** The outcomes of one rate-limit policy's checks. */
export interface StoreRateLimitPolicyStats {
  /** Checks that admitted the request. */
  allowed: number;
  /** Checks that refused it. */
  refused: number;
  /** Checks that could not reach the store (answered by the policy's `failure`). */
  unavailable: number;
}

/**
 * What `StoreService.stats()` returns: counts since collection started (the first `stats()` call,
 * or bootstrap when `metrics` is configured), shared by the root store and its namespaces.
 */
export interface StoreStats {
  /** When collection started (epoch ms): every count is from then on. */
  since: number;
  /** The connection state now: `connected`, `reconnecting`, `circuit-open` or `closed`. */
  connection: ConnectionStateName;
  /** `getOrSet` / `getOrSetWithStatus` / `@Cacheable` calls not answered from L1. */
  cache: {
    /** Served a fresh value from the store. */
    hits: number;
    /** Found no usable value: loaded. */
    misses: number;
    /** Served a stale value within its `grace`. */
    stale: number;
    /** Cache-path commands that failed, the call going on without the cache. */
    fallbacks: number;
    /** The fallbacks by the `StoreErrorCode` of their error. */
    errors: Record<string, number>;
    /** `(hits + stale) / (hits + misses + stale)`; `null` before the first lookup. */
    hitRate: number | null;
    /** Loader runs (misses, background refreshes), from start to settlement. */
    load: StoreLatencyStats;
  };
  /** The L1 tier; `null` when `l1` is not configured. */
  l1: {
    /** Entries held now. */
    entries: number;
    /** `get` and `getOrSet` calls answered from L1. */
    hits: number;
    /**
     * `hits` over `hits` plus the `cache` lookups (`getOrSet` calls L1 did not answer); a plain
     * `get` that misses L1 is not counted. `null` before the first.
     */
    hitRate: number | null;
  } | null;
  /** Rate-limit checks (`RateLimiterService.consume`, the guard). */
  rateLimit: {
    /** Outcomes by policy name. */
    policies: Record<string, StoreRateLimitPolicyStats>;
    /** How long checks took, all policies together. */
    check: StoreLatencyStats;
  };
  /** Pub/sub messages this process received. */
  pubsub: {
    /** Decoded and handed to a subscription (an Observable shared by observers counts once). */
    delivered: number;
    /** Unreadable, skipped. */
    skipped: number;
  };
  /** Durable stream messages this process consumed. */
  streams: {
    /** Handed to a consumer's observer (redeliveries included). */
    delivered: number;
    /** Acknowledged (`ack()` settled). */
    acked: number;
    /** Taken over from idle consumers (XAUTOCLAIM). */
    claimed: number;
  };
}
