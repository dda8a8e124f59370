import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import type {
  CacheFallbackEvent,
  CacheLoadContext,
  CacheLookupEvent,
} from '../../telemetry/cache.events.js';
import {
  CACHE_FALLBACK_CHANNEL,
  CACHE_HIT_CHANNEL,
  CACHE_L1_HIT_CHANNEL,
  CACHE_LOAD_TRACING_CHANNEL,
  CACHE_MISS_CHANNEL,
  CACHE_STALE_CHANNEL,
  PUBSUB_DELIVERED_CHANNEL,
  PUBSUB_SKIPPED_CHANNEL,
  RATE_LIMIT_ALLOWED_CHANNEL,
  RATE_LIMIT_REFUSED_CHANNEL,
  RATE_LIMIT_UNAVAILABLE_CHANNEL,
  STREAM_ACKED_CHANNEL,
  STREAM_CLAIMED_CHANNEL,
  STREAM_DELIVERED_CHANNEL,
} from '../../telemetry/channel-names.js';
import type { StoreEventScope } from '../../telemetry/event-scope.js';
import type { RateLimitEvent } from '../../telemetry/rate-limit.events.js';
import type { StreamClaimedEvent } from '../../telemetry/stream.events.js';
import { StatsCounters } from './stats-counters.js';
import type { RateLimitCheckOutcome, StatsSink, StreamMessageOutcome } from './stats-sink.js';

/** Policy names kept apart at most; checks of further ones are counted under `OTHER_POLICY`. */
const MAX_POLICIES = 1_000;
const OTHER_POLICY = '(other)';

const ignore = (): void => undefined;

/**
 * One store's events, read from the diagnostics channels and handed to its sinks. Nothing is
 * subscribed until the first sink arrives (the first `stats()` call, or `metrics` at bootstrap),
 * so a store whose stats are never asked for keeps every publisher on its `hasSubscribers` fast
 * path. Events are told apart by `keyPrefix` only: two stores sharing one count each other's.
 */
export class StatsCollector {
  private readonly sinks: StatsSink[] = [];
  private readonly detachers: Array<() => void> = [];
  private readonly policies = new Set<string>();
  private statsCounters: StatsCounters | null = null;
  private closed = false;

  constructor(private readonly keyPrefix: string) {}

  /** Whether the channels are subscribed. */
  get collecting(): boolean {
    return this.detachers.length > 0;
  }

  /** The counters behind `stats()`, created (and collection started) on the first call. */
  counters(): StatsCounters {
    if (!this.statsCounters) {
      this.statsCounters = new StatsCounters();
      this.add(this.statsCounters);
    }
    return this.statsCounters;
  }

  /** Hands every event from now on to `sink` too (none once the store has closed). */
  add(sink: StatsSink): void {
    if (this.closed) return;
    this.sinks.push(sink);
    if (!this.collecting) this.subscribeAll();
  }

  /** Stops collecting, for good: the store has closed. */
  close(): void {
    this.closed = true;
    for (const detach of this.detachers.splice(0)) detach();
    for (const sink of this.sinks.splice(0)) sink.close?.();
  }

  private subscribeAll(): void {
    const lookup = (event: unknown) => {
      const { status } = event as CacheLookupEvent;
      if (this.ours(event)) for (const sink of this.sinks) sink.cacheLookup(status);
    };
    for (const name of [CACHE_HIT_CHANNEL, CACHE_MISS_CHANNEL, CACHE_STALE_CHANNEL])
      this.listen(name, lookup);
    this.listen(CACHE_FALLBACK_CHANNEL, (event) => {
      const code = (event as CacheFallbackEvent).error?.code ?? 'UNKNOWN';
      if (this.ours(event)) for (const sink of this.sinks) sink.cacheFallback(code);
    });
    this.listen(CACHE_L1_HIT_CHANNEL, (event) => {
      if (this.ours(event)) for (const sink of this.sinks) sink.l1Hit();
    });
    this.traceLoads();
    this.listenRateLimit(RATE_LIMIT_ALLOWED_CHANNEL, 'allowed');
    this.listenRateLimit(RATE_LIMIT_REFUSED_CHANNEL, 'refused');
    this.listenRateLimit(RATE_LIMIT_UNAVAILABLE_CHANNEL, 'unavailable');
    this.listen(PUBSUB_DELIVERED_CHANNEL, (event) => {
      if (this.ours(event)) for (const sink of this.sinks) sink.pubsubMessage('delivered');
    });
    this.listen(PUBSUB_SKIPPED_CHANNEL, (event) => {
      if (this.ours(event)) for (const sink of this.sinks) sink.pubsubMessage('skipped');
    });
    this.listenStream(STREAM_DELIVERED_CHANNEL, 'delivered');
    this.listenStream(STREAM_ACKED_CHANNEL, 'acked');
    this.listenStream(STREAM_CLAIMED_CHANNEL, 'claimed');
  }

  private ours(event: unknown): boolean {
    return (event as StoreEventScope).keyPrefix === this.keyPrefix;
  }

  private listen(name: string, listener: (event: unknown) => void): void {
    subscribe(name, listener);
    this.detachers.push(() => unsubscribe(name, listener));
  }

  /** Times each loader run from `start` to `asyncEnd` (which follows a rejection too). */
  private traceLoads(): void {
    const started = new WeakMap<object, number>();
    const handlers = {
      start: (context: object) => {
        if (this.ours(context)) started.set(context, performance.now());
      },
      asyncEnd: (context: object) => {
        const start = started.get(context);
        if (start === undefined) return;
        started.delete(context);
        const durationMs = performance.now() - start;
        for (const sink of this.sinks) sink.cacheLoad(durationMs);
      },
      end: ignore,
      asyncStart: ignore,
      error: ignore,
    };
    const channel = tracingChannel<unknown, CacheLoadContext>(CACHE_LOAD_TRACING_CHANNEL);
    channel.subscribe(handlers);
    this.detachers.push(() => channel.unsubscribe(handlers));
  }

  private listenRateLimit(name: string, outcome: RateLimitCheckOutcome): void {
    this.listen(name, (message) => {
      const event = message as RateLimitEvent;
      if (!this.ours(event)) return;
      const policy = this.policyName(event.policy);
      for (const sink of this.sinks) sink.rateLimitCheck(policy, outcome, event.durationMs);
    });
  }

  private listenStream(name: string, outcome: StreamMessageOutcome): void {
    this.listen(name, (event) => {
      if (!this.ours(event)) return;
      const count = outcome === 'claimed' ? (event as StreamClaimedEvent).ids.length : 1;
      for (const sink of this.sinks) sink.streamMessages(outcome, count);
    });
  }

  /** Bounded: policy names become metric labels. */
  private policyName(policy: string): string {
    if (this.policies.has(policy)) return policy;
    if (this.policies.size >= MAX_POLICIES) return OTHER_POLICY;
    this.policies.add(policy);
    return policy;
  }
}
