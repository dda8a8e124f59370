import { Logger } from '@nestjs/common';
import { EvictionRetries } from './cache/eviction-retries.js';
import type { LeaseLock } from './cache/lease-lock.js';
import { InFlight } from '../common/in-flight.js';
import { InvalidationBus } from './cache/invalidation-bus.js';
import { L1Tier } from './cache/l1-tier.js';
import type { ResolvedStoreOptions } from './resolved-store-options.js';
import type { CompleteDriver } from '../drivers/store-driver.interface.js';
import { KeySpace } from '../keys/key-space.js';
import { ChannelBridge } from './pubsub/channel-bridge.js';
import { MalformedMessages } from './pubsub/malformed-messages.js';
import { StatsCollector } from './stats/stats-collector.js';

/** State shared by a store and all its namespaces. */
export interface StoreContext {
  driver: CompleteDriver;
  options: ResolvedStoreOptions;
  logger: Logger;
  /**
   * In-process single-flight of cache loads, by full Redis key (so namespaces never share a
   * flight).
   */
  flights: Map<string, Promise<unknown>>;
  /** Background refreshes (stale-while-revalidate, early refresh) under way, by full key. */
  refreshes: Map<string, Promise<unknown>>;
  /** The L1 tier and the bus that keeps it coherent, when `l1` is configured. */
  l1: L1Tier | null;
  bus: InvalidationBus | null;
  /** Cache-path Redis failures that fell back to the loader. */
  fallbacks: number;
  /** Channels and patterns as Observables, shared by the store and its namespaces. */
  channels: ChannelBridge;
  /** Messages skipped because they could not be deserialized, per channel. */
  malformed: MalformedMessages;
  /** Writes of several steps under way (tagged `set`, `mset`): shutdown lets them finish. */
  writes: InFlight;
  /**
   * Load leases this process holds: shutdown releases them, so other instances need not wait them
   * out.
   */
  leases: Set<LeaseLock>;
  /** `@CacheEvict` work that failed while the store was unreachable, retried once it is back. */
  evictions: EvictionRetries;
  /** The store's stats: subscribes to the telemetry channels only once something asks. */
  stats: StatsCollector;
}

/**
 * Builds the shared state; with L1, the bus must be started (`bus.start()`) before L1 is trusted.
 */
export function createStoreContext(
  driver: CompleteDriver,
  options: ResolvedStoreOptions,
): StoreContext {
  const logger = new Logger('StoreService');
  const l1 = options.l1 ? new L1Tier(options.l1.maxEntries, options.l1.ttlMs) : null;
  const bus = l1
    ? new InvalidationBus(
        driver,
        new KeySpace(options.keyPrefix, options.internalSegment).internalChannel('bus:l1'),
        l1,
        logger,
      )
    : null;
  const channels = new ChannelBridge(driver, options.pubsub.lingerMs);
  const malformed = new MalformedMessages(logger);
  const evictions = new EvictionRetries(driver, logger);
  return {
    driver,
    options,
    logger,
    flights: new Map(),
    refreshes: new Map(),
    l1,
    bus,
    fallbacks: 0,
    channels,
    malformed,
    writes: new InFlight(),
    leases: new Set(),
    evictions,
    stats: new StatsCollector(options.keyPrefix),
  };
}
