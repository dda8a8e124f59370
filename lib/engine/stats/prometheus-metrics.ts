import type * as PromClient from 'prom-client';
import { StoreConfigurationError } from '../../errors/store.errors.js';
import type { CacheLookupStatus } from '../../telemetry/cache.events.js';
import type { RateLimitCheckOutcome, StatsSink, StreamMessageOutcome } from './stats-sink.js';

/** The prom-client module the app has installed (loaded only when metrics are configured). */
export type PromClientModule = typeof PromClient;

/** Where the metrics go: prom-client, its registry, the name prefix and this store's label. */
export interface PrometheusTarget {
  client: PromClientModule;
  registry: PromClient.Registry;
  prefix: string;
  /** The `store` label: the store's name (`'default'` unless `forRoot({ name })` set one). */
  store: string;
}

/** What the gauges read from the store when the registry is scraped. */
export interface StoreGaugeReadings {
  connectionUp(): number;
  circuitOpen(): number;
  l1Entries(): number;
}

/** Seconds: rate-limit checks and hits take well under a millisecond on a local Redis. */
const CHECK_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const LOAD_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Per gauge, what each store registered on it sets when scraped: a gauge is shared by every store
 * (and every app in the process) that registers it in one registry, each under its `store` label.
 */
const gaugeReaders = new WeakMap<object, Set<() => void>>();

/**
 * The store's Prometheus metrics (prom-client), fed by its `StatsCollector`. Names follow the
 * Prometheus conventions (`_total` counters, `_seconds` histograms); labels are bounded: `store`,
 * the policy name and fixed outcome sets, never keys or channels. A metric already in the registry
 * (another store, or a second app in the same process) is reused, not registered twice.
 */
export class PrometheusMetrics implements StatsSink {
  private readonly labels: { store: string };
  private readonly requests: PromClient.Counter<'store' | 'result'>;
  private readonly fallbacks: PromClient.Counter<'store'>;
  private readonly l1Hits: PromClient.Counter<'store'>;
  private readonly loads: PromClient.Histogram<'store'>;
  private readonly checks: PromClient.Counter<'store' | 'policy' | 'outcome'>;
  private readonly checkSeconds: PromClient.Histogram<'store' | 'policy'>;
  private readonly pubsub: PromClient.Counter<'store' | 'outcome'>;
  private readonly streams: PromClient.Counter<'store' | 'outcome'>;
  private readonly gauges: Array<[PromClient.Gauge<'store'>, () => void]> = [];

  constructor(
    private readonly target: PrometheusTarget,
    readings: StoreGaugeReadings,
  ) {
    this.labels = { store: target.store };
    this.requests = this.counter(
      'cache_requests_total',
      'Cache lookups not answered from L1, by result',
      ['result'],
    );
    this.fallbacks = this.counter(
      'cache_fallbacks_total',
      'Cache-path commands that failed, the call going on without the cache',
      [],
    );
    this.l1Hits = this.counter(
      'l1_hits_total',
      'get and getOrSet calls answered from the in-process L1 tier',
      [],
    );
    this.loads = this.histogram(
      'cache_load_duration_seconds',
      'Cache loader runs, from start to settlement',
      [],
      LOAD_BUCKETS,
    );
    this.checks = this.counter(
      'rate_limit_checks_total',
      'Rate-limit checks, by policy and outcome',
      ['policy', 'outcome'],
    );
    this.checkSeconds = this.histogram(
      'rate_limit_check_duration_seconds',
      'How long rate-limit checks took, by policy',
      ['policy'],
      CHECK_BUCKETS,
    );
    this.pubsub = this.counter('pubsub_messages_total', 'Pub/sub messages received, by outcome', [
      'outcome',
    ]);
    this.streams = this.counter(
      'stream_messages_total',
      'Durable stream messages consumed, by outcome',
      ['outcome'],
    );
    this.gauge(
      'connection_up',
      'Whether every connection of the store is ready (1) or not (0)',
      readings.connectionUp,
    );
    this.gauge(
      'circuit_open',
      'Whether a circuit breaker of the store is open (1) or not (0)',
      readings.circuitOpen,
    );
    this.gauge('l1_entries', 'Entries held in the in-process L1 tier', readings.l1Entries);
  }

  cacheLookup(status: CacheLookupStatus): void {
    this.requests.inc({ ...this.labels, result: status });
  }

  cacheFallback(): void {
    this.fallbacks.inc(this.labels);
  }

  l1Hit(): void {
    this.l1Hits.inc(this.labels);
  }

  cacheLoad(durationMs: number): void {
    this.loads.observe(this.labels, durationMs / 1000);
  }

  rateLimitCheck(policy: string, outcome: RateLimitCheckOutcome, durationMs: number): void {
    this.checks.inc({ ...this.labels, policy, outcome });
    this.checkSeconds.observe({ ...this.labels, policy }, durationMs / 1000);
  }

  pubsubMessage(outcome: 'delivered' | 'skipped'): void {
    this.pubsub.inc({ ...this.labels, outcome });
  }

  streamMessages(outcome: StreamMessageOutcome, count: number): void {
    this.streams.inc({ ...this.labels, outcome }, count);
  }

  /** The store closed: its gauges stop reporting (its counters keep their totals). */
  close(): void {
    for (const [gauge, read] of this.gauges.splice(0)) {
      gaugeReaders.get(gauge)?.delete(read);
      gauge.remove(this.labels);
    }
  }

  private counter<L extends string>(
    name: string,
    help: string,
    labels: L[],
  ): PromClient.Counter<'store' | L> {
    const { client, registry, prefix } = this.target;
    const fullName = prefix + name;
    return (
      this.reuse(fullName, client.Counter) ??
      new client.Counter({
        name: fullName,
        help,
        labelNames: ['store', ...labels],
        registers: [registry],
      })
    );
  }

  private histogram<L extends string>(
    name: string,
    help: string,
    labels: L[],
    buckets: number[],
  ): PromClient.Histogram<'store' | L> {
    const { client, registry, prefix } = this.target;
    const fullName = prefix + name;
    return (
      this.reuse(fullName, client.Histogram) ??
      new client.Histogram({
        name: fullName,
        help,
        labelNames: ['store', ...labels],
        buckets,
        registers: [registry],
      })
    );
  }

  private gauge(name: string, help: string, value: () => number): void {
    const { client, registry, prefix } = this.target;
    const fullName = prefix + name;
    const gauge: PromClient.Gauge<'store'> =
      this.reuse(fullName, client.Gauge) ??
      new client.Gauge({
        name: fullName,
        help,
        labelNames: ['store'],
        registers: [registry],
        collect() {
          for (const read of gaugeReaders.get(this) ?? []) read();
        },
      });
    const read = () => gauge.set(this.labels, value());
    let readers = gaugeReaders.get(gauge);
    if (!readers) gaugeReaders.set(gauge, (readers = new Set()));
    readers.add(read);
    this.gauges.push([gauge, read]);
  }

  /** The metric `name` already registered, if it is of the kind wanted. */
  private reuse<M>(name: string, kind: abstract new (...args: never[]) => M): M | undefined {
    const existing = this.target.registry.getSingleMetric(name);
    if (existing === undefined) return undefined;
    if (existing instanceof kind) return existing;
    throw new StoreConfigurationError(
      `metrics.prometheus: the registry already has a metric ${name} of another kind; ` +
        'set metrics.prometheus.prefix to register the store metrics under other names',
    );
  }
}
