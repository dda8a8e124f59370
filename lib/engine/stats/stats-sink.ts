import type { CacheLookupStatus } from '../../telemetry/cache.events.js';

/** How a rate-limit check ended: the channel its event was published on. */
export type RateLimitCheckOutcome = 'allowed' | 'refused' | 'unavailable';

/** What happened to stream messages: the channel their event was published on. */
export type StreamMessageOutcome = 'delivered' | 'acked' | 'claimed';

/**
 * Receives one store's events, already filtered by its `keyPrefix`, from a `StatsCollector`: the
 * in-process counters behind `stats()` are one, the Prometheus metrics another.
 */
export interface StatsSink {
  cacheLookup(status: CacheLookupStatus): void;
  /** `code`: the `StoreErrorCode` of the failure. */
  cacheFallback(code: string): void;
  l1Hit(): void;
  cacheLoad(durationMs: number): void;
  rateLimitCheck(policy: string, outcome: RateLimitCheckOutcome, durationMs: number): void;
  pubsubMessage(outcome: 'delivered' | 'skipped'): void;
  streamMessages(outcome: StreamMessageOutcome, count: number): void;
  /** The store has closed: no event follows. */
  close?(): void;
}
