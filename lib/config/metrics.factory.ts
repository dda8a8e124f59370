import { StoreConfigurationError } from '../errors/store.errors.js';
import type { StoreContext } from '../engine/store-context.js';
import {
  PrometheusMetrics,
  type PromClientModule,
  type PrometheusTarget,
} from '../engine/stats/prometheus-metrics.js';

/**
 * Starts the metrics `metrics` configures for the store `storeName`: loads prom-client (only then:
 * an app without it never loads it) and feeds its metrics from the store's stats collector.
 * Collection starts here rather than at the first `stats()` call.
 */
export async function enableMetrics(
  context: StoreContext,
  storeName: string,
  where: string,
): Promise<PrometheusMetrics | null> {
  const { prometheus } = context.options;
  if (prometheus === null) return null;
  const client = await loadPromClient(where);
  const target: PrometheusTarget = {
    client,
    registry: (prometheus.registry ?? client.register) as PrometheusTarget['registry'],
    prefix: prometheus.prefix,
    store: storeName,
  };
  const { driver, l1 } = context;
  const metrics = new PrometheusMetrics(target, {
    connectionUp: () => (driver.connectionState() === 'connected' ? 1 : 0),
    circuitOpen: () => (driver.connectionState() === 'circuit-open' ? 1 : 0),
    l1Entries: () => l1?.size ?? 0,
  });
  // stats() then counts from bootstrap too, as the metrics do.
  context.stats.counters();
  context.stats.add(metrics);
  return metrics;
}

/** The error of `metrics.prometheus` in an app without prom-client. */
export function missingPromClientError(where: string, cause?: unknown): StoreConfigurationError {
  const error = new StoreConfigurationError(
    `${where} options: metrics.prometheus needs the prom-client package, which is not installed: ` +
      'npm install prom-client (15 or later), or remove metrics.prometheus',
  );
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause });
  return error;
}

async function loadPromClient(where: string): Promise<PromClientModule> {
  let loaded: PromClientModule;
  try {
    loaded = await import('prom-client');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw missingPromClientError(where, error);
    throw error;
  }
  // prom-client is CommonJS: where a loader gives only its `default`, its exports are there.
  if (typeof loaded.Counter === 'function') return loaded;
  return (loaded as unknown as { default: PromClientModule }).default;
}
