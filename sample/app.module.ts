import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
// In your own app: import { RateLimitGuard, StoreModule, ... } from 'nestjs-store';
import {
  RateLimitGuard,
  StoreModule,
  type StoreModuleOptions,
  type StoreRateLimitOptions,
} from '../lib/index.js';
import { AuthModule } from './auth/auth.module.js';
import { CountersModule } from './counters/counters.module.js';
import { EventsModule } from './events/events.module.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
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
        AuthModule,
        UsersModule,
        CountersModule,
        EventsModule,
        HealthModule,
        MetricsModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: StoreValidationFilter },
        // The module defaults (`rateLimit.defaults` below) on every route. `useExisting`: the guard
        // StoreModule provides, so it is the same instance `@RateLimit` routes use.
        { provide: APP_GUARD, useExisting: RateLimitGuard },
      ],
    };
  }
}

/** Redis when a URL is given, the memory driver otherwise: chosen explicitly and logged, never a silent fallback. */
function storeOptions({ redisUrl, keyPrefix = 'sample:' }: SampleConfig): StoreModuleOptions {
  const logger = new Logger('Sample');
  const rateLimit = rateLimitOptions();
  // Prometheus metrics in prom-client's global registry, served by GET /metrics.
  const metrics = { prometheus: true };
  if (redisUrl) {
    logger.log(`Using Redis at ${redact(redisUrl)} (keyPrefix "${keyPrefix}")`);
    // l1: an in-process tier in front of Redis (defaults: 10 000 entries, 1 min). Hits skip the
    // network; every instance drops its copy when any instance writes, evicts or invalidates a tag.
    // Not needed on the memory driver, which is in process already.
    return { redis: redisUrl, keyPrefix, l1: true, rateLimit, metrics };
  }
  logger.log(`No REDIS_URL: using the embedded memory driver (keyPrefix "${keyPrefix}")`);
  return { driver: 'memory', keyPrefix, rateLimit, metrics };
}

/**
 * The whole API is rate-limited by a token bucket, per client IP and route: bursts of up to 100
 * requests, refilled at 100 per 10 s. Kept in the store, so with Redis every instance
 * of the app shares the counts. `headers: 'both'`: the `X-RateLimit-*` fields and the IETF draft
 * `RateLimit-Policy` / `RateLimit`. Routes add their own policies (`@RateLimit` on `POST
 * /auth/login`) or opt out (`@SkipRateLimit('api')` on `GET /events`).
 */
function rateLimitOptions(): StoreRateLimitOptions {
  return {
    defaults: { name: 'api', limit: 100, window: '10s', algorithm: 'token-bucket' },
    headers: 'both',
  };
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
