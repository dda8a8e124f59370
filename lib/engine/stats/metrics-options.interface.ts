/**
 * A prom-client `Registry`, as far as the store uses one (a structural type, so the package's
 * types do not require prom-client where it is not installed).
 */
export interface StorePrometheusRegistry {
  /** The metric registered under `name`, if any: the store reuses it rather than register twice. */
  getSingleMetric(name: string): unknown;
  /** The exposition text of every metric registered. */
  metrics(): Promise<string>;
}

/** Where and how the store's Prometheus metrics are registered (`metrics.prometheus`). */
export interface StorePrometheusOptions {
  /** The registry to register in. Default: prom-client's global `register`. */
  registry?: StorePrometheusRegistry;
  /**
   * Prepended to every metric name; letters, digits, `_` and `:`, not starting with a digit.
   * @default 'nestjs_store_'
   */
  prefix?: string;
}

/** Metrics the store exports (`metrics`). `StoreService.stats()` works without any of them. */
export interface StoreMetricsOptions {
  /**
   * Prometheus metrics through `prom-client` (an optional peer dependency, loaded only when this
   * is set): `true` registers them in prom-client's global registry with the default prefix, an
   * object sets the registry and prefix. Default: off.
   */
  prometheus?: boolean | StorePrometheusOptions;
}
