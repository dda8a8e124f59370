import type { Logger } from '@nestjs/common';
import type { ResolvedStoreOptions } from './resolved-options.js';
import type { StoreModuleOptions } from './store-options.interface.js';
import { MemoryDriver } from '../drivers/memory/memory.driver.js';
import { createRedisConnection } from '../drivers/redis/redis-connection.factory.js';
import { RedisDriver } from '../drivers/redis/redis.driver.js';
import { CompletedDriver } from '../drivers/completed-driver.js';
import { isCompleteDriver } from '../drivers/driver-capabilities.js';
import type { CompleteDriver } from '../drivers/store-driver.interface.js';

/**
 * The store's driver: the instance given as `options.driver` (validated by `resolveStoreOptions`;
 * the store owns it from here on and closes it at shutdown), or the one the options name. Only
 * `driver: 'memory'` selects memory: never a silent fallback.
 */
export function createDriver(
  options: StoreModuleOptions,
  resolved: ResolvedStoreOptions,
  logger: Logger,
): CompleteDriver {
  if (typeof resolved.driver === 'object') {
    const given = resolved.driver;
    const driver = isCompleteDriver(given) ? given : new CompletedDriver(given);
    const capabilities = [...driver.capabilities].join(', ') || 'none';
    logger.log(
      `Using the driver instance given as options.driver (${given.constructor.name}, ` +
        `kind '${given.kind}', capabilities: ${capabilities})`,
    );
    return driver;
  }
  if (resolved.driver === 'memory') {
    logger.log('Using the embedded memory driver');
    return new MemoryDriver(resolved.maxEntries, logger);
  }
  // resolveStoreOptions has checked that `redis` is present for the redis driver.
  const { client, owned } = createRedisConnection(options.redis!, resolved.commandTimeout);
  return new RedisDriver(client, owned, resolved.commandTimeout, logger, {
    sharded: resolved.pubsub.sharded,
    breakerThreshold: resolved.breakerThreshold,
  });
}
