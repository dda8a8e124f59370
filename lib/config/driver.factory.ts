import type { Logger } from '@nestjs/common';
import type { ResolvedStoreOptions } from './resolved-options.js';
import type { StoreModuleOptions } from './store-options.interface.js';
import { MemoryDriver } from '../drivers/memory/memory.driver.js';
import { createRedisConnection } from '../drivers/redis/redis-connection.factory.js';
import { RedisDriver } from '../drivers/redis/redis.driver.js';
import type { StoreDriver } from '../drivers/store-driver.interface.js';

/**
 * The store's driver: the instance given as `options.driver` (validated by `resolveStoreOptions`;
 * the store owns it from here on and closes it at shutdown), or the one the options name. Only
 * `driver: 'memory'` selects memory: never a silent fallback.
 */
export function createDriver(
  options: StoreModuleOptions,
  resolved: ResolvedStoreOptions,
  logger: Logger,
): StoreDriver {
  if (typeof resolved.driver === 'object') {
    logger.log(
      `Using the driver instance given as options.driver (${resolved.driver.constructor.name}, kind '${resolved.driver.kind}')`,
    );
    return resolved.driver;
  }
  if (resolved.driver === 'memory') {
    logger.log('Using the embedded memory driver');
    return new MemoryDriver(resolved.maxEntries, logger);
  }
  // resolveStoreOptions has checked that `redis` is present for the redis driver.
  const { client, owned } = createRedisConnection(options.redis!, resolved.commandTimeout);
  return new RedisDriver(client, owned, resolved.commandTimeout, logger, resolved.pubsub.sharded);
}
