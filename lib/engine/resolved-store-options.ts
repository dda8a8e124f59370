import type { StoreDriver } from '../drivers/store-driver.interface.js';
import type { StoreSerializer } from '../serialization/serializer.interface.js';
import type { StorePrometheusRegistry } from './stats/metrics-options.interface.js';

/** Module options after validation, with every default filled in. */
export interface ResolvedStoreOptions {
  /**
   * The driver to build, or the instance given as `options.driver` (checked to have every member).
   */
  driver: 'redis' | 'memory' | StoreDriver;
  keyPrefix: string;
  internalSegment: string;
  defaultTtlMs: number | undefined;
  serializer: StoreSerializer;
  maxValueSize: number;
  maxKeyLength: number;
  commandTimeout: number;
  /** How long bootstrap waits for the connection; `null`: it does not wait. */
  waitForConnectionMs: number | null;
  maxEntries: number;
  /** The L1 tier's bounds, or `null` without L1. */
  l1: { maxEntries: number; ttlMs: number } | null;
  pubsub: { sharded: boolean; lingerMs: number };
  /** Connection failures in a row that open a connection's breaker; `null`: no breaker. */
  breakerThreshold: number | null;
  /**
   * Prometheus metrics: the registry (`null`: prom-client's global one) and the name prefix;
   * `null` when off.
   */
  prometheus: { registry: StorePrometheusRegistry | null; prefix: string } | null;
}
