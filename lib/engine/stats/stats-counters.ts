import type { CacheLookupStatus } from '../../telemetry/cache.events.js';
import type { ConnectionStateName } from '../../telemetry/connection.events.js';
import { LatencyHistogram } from './latency-histogram.js';
import type { RateLimitCheckOutcome, StatsSink, StreamMessageOutcome } from './stats-sink.js';
import type {
  StoreLatencyStats,
  StoreRateLimitPolicyStats,
  StoreStats,
} from './store-stats.interface.js';

/** What a snapshot reads from the store itself rather than from events. */
export interface StoreStatsState {
  connection: ConnectionStateName;
  /** Entries in L1 now; `null` without L1. */
  l1Entries: number | null;
}

/** The in-process counters behind `StoreService.stats()`: plain numbers and two histograms. */
export class StatsCounters implements StatsSink {
  private readonly since = Date.now();
  private readonly lookups = { hit: 0, miss: 0, stale: 0 };
  private readonly errors: Record<string, number> = {};
  private fallbacks = 0;
  private l1Hits = 0;
  private readonly loads = new LatencyHistogram();
  private readonly policies = new Map<string, StoreRateLimitPolicyStats>();
  private readonly checks = new LatencyHistogram();
  private readonly pubsub = { delivered: 0, skipped: 0 };
  private readonly streams = { delivered: 0, acked: 0, claimed: 0 };

  cacheLookup(status: CacheLookupStatus): void {
    this.lookups[status] += 1;
  }

  cacheFallback(code: string): void {
    this.fallbacks += 1;
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }

  l1Hit(): void {
    this.l1Hits += 1;
  }

  cacheLoad(durationMs: number): void {
    this.loads.record(durationMs);
  }

  rateLimitCheck(policy: string, outcome: RateLimitCheckOutcome, durationMs: number): void {
    let counts = this.policies.get(policy);
    if (!counts) {
      counts = { allowed: 0, refused: 0, unavailable: 0 };
      this.policies.set(policy, counts);
    }
    counts[outcome] += 1;
    this.checks.record(durationMs);
  }

  pubsubMessage(outcome: 'delivered' | 'skipped'): void {
    this.pubsub[outcome] += 1;
  }

  streamMessages(outcome: StreamMessageOutcome, count: number): void {
    this.streams[outcome] += count;
  }

  /** A copy of the counts, with the state read from the store. */
  snapshot(state: StoreStatsState): StoreStats {
    const { hit, miss, stale } = this.lookups;
    const lookups = hit + miss + stale;
    const l1Asked = this.l1Hits + lookups;
    return {
      since: this.since,
      connection: state.connection,
      cache: {
        hits: hit,
        misses: miss,
        stale,
        fallbacks: this.fallbacks,
        errors: { ...this.errors },
        hitRate: lookups === 0 ? null : (hit + stale) / lookups,
        load: latency(this.loads),
      },
      l1:
        state.l1Entries === null
          ? null
          : {
              entries: state.l1Entries,
              hits: this.l1Hits,
              hitRate: l1Asked === 0 ? null : this.l1Hits / l1Asked,
            },
      rateLimit: {
        policies: Object.fromEntries(
          [...this.policies].map(([name, counts]) => [name, { ...counts }]),
        ),
        check: latency(this.checks),
      },
      pubsub: { ...this.pubsub },
      streams: { ...this.streams },
    };
  }
}

function latency(histogram: LatencyHistogram): StoreLatencyStats {
  return {
    count: histogram.count,
    p50: histogram.percentile(50),
    p90: histogram.percentile(90),
    p99: histogram.percentile(99),
    max: histogram.max,
  };
}
