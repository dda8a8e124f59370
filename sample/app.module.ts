import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
// In your own app: import { StoreModule, type StoreModuleOptions } from 'nestjs-store';
import { StoreModule, type StoreModuleOptions } from '../lib/index.js';
import { CountersModule } from './counters/counters.module.js';
import { EventsModule } from './events/events.module.js';
import { StoreValidationFilter } from './store-validation.filter.js';
import { UsersModule } from './users/users.module.js';

export interface SampleConfig {
  /** Redis to use; unset: the embedded memory driver. */
  redisUrl?: string;
  /** Prefix of every key, tag and channel the sample writes. Default `'sample:'`. */
  keyPrefix?: string;
}

@Module({})
export class AppModule {
  static forRoot(config: SampleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        StoreModule.forRootAsync({ isGlobal: true, useFactory: () => storeOptions(config) }),
        UsersModule,
        CountersModule,
        EventsModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: StoreValidationFilter }],
    };
  }
}

/** Redis when a URL is given, the memory driver otherwise: chosen explicitly and logged, never a silent fallback. */
function storeOptions({ redisUrl, keyPrefix = 'sample:' }: SampleConfig): StoreModuleOptions {
  const logger = new Logger('Sample');
  if (redisUrl) {
    logger.log(`Using Redis at ${redact(redisUrl)} (keyPrefix "${keyPrefix}")`);
    // l1: an in-process tier in front of Redis (defaults: 10 000 entries, 1 min). Hits skip the
    // network; every instance drops its copy when any instance writes, evicts or invalidates a tag.
    // Not needed on the memory driver, which is in process already.
    return { redis: redisUrl, keyPrefix, l1: true };
  }
  logger.log(`No REDIS_URL: using the embedded memory driver (keyPrefix "${keyPrefix}")`);
  return { driver: 'memory', keyPrefix };
}

/** Hides a password in a Redis URL before it reaches the log. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
