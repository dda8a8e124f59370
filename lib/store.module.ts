import { Logger, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CacheEvictInterceptor } from './cache/cache-evict.interceptor.js';
import { CacheMethodExplorer } from './cache/cache-method.explorer.js';
import { STORE_CACHE_DECORATOR_OPTIONS } from './cache/cache.constants.js';
import type { StoreRateLimitOptions } from './rate-limit/rate-limit-options.interface.js';
import { validateStoreRateLimitOptions } from './rate-limit/rate-limit-rule.validation.js';
import { STORE_RATE_LIMIT_OPTIONS } from './rate-limit/rate-limit.constants.js';
import { RateLimitGuard } from './rate-limit/rate-limit.guard.js';
import { RateLimiterService } from './rate-limit/rate-limiter.service.js';
import { CacheableInterceptor } from './cache/cacheable.interceptor.js';
import { StoreConfigurationError, StoreValidationError } from './errors/store.errors.js';
import { resolveStoreOptions, type ResolvedStoreOptions } from './common/resolved-options.js';
import { createDriver } from './drivers/driver.factory.js';
import type { StoreDriver } from './drivers/store-driver.interface.js';
import type { StoreModuleOptions } from './interfaces/store-options.interface.js';
import { OnChannelExplorer } from './pubsub/on-channel.explorer.js';
import { StoreLifecycle } from './store-lifecycle.js';
import { STORE_CONTEXT, STORE_DRIVER, STORE_RESOLVED_OPTIONS } from './store.constants.js';
import { createStoreContext, type StoreContext } from './store-context.js';
import { STORE_MODULE_OPTIONS, StoreConfigurableModule } from './store.module-definition.js';
import { StoreService } from './store.service.js';

/**
 * The module: `StoreModule.forRoot(options)` or `StoreModule.forRootAsync({ imports, inject,
 * useFactory | useClass | useExisting, isGlobal })`. Provides `StoreService`.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: STORE_RESOLVED_OPTIONS,
      useFactory: (options: StoreModuleOptions) => resolveStoreOptions(options),
      inject: [STORE_MODULE_OPTIONS],
    },
    {
      provide: STORE_DRIVER,
      useFactory: (options: StoreModuleOptions, resolved: ResolvedStoreOptions) =>
        createDriver(options, resolved, new Logger('StoreModule')),
      inject: [STORE_MODULE_OPTIONS, STORE_RESOLVED_OPTIONS],
    },
    {
      provide: STORE_CONTEXT,
      useFactory: (driver: StoreDriver, resolved: ResolvedStoreOptions) => createStoreContext(driver, resolved),
      inject: [STORE_DRIVER, STORE_RESOLVED_OPTIONS],
    },
    {
      provide: StoreService,
      useFactory: (context: StoreContext) => StoreService.fromContext(context),
      inject: [STORE_CONTEXT],
    },
    {
      provide: STORE_CACHE_DECORATOR_OPTIONS,
      useFactory: (options: StoreModuleOptions) => options.cache ?? {},
      inject: [STORE_MODULE_OPTIONS],
    },
    {
      provide: STORE_RATE_LIMIT_OPTIONS,
      useFactory: (options: StoreModuleOptions) => {
        const rateLimit = options.rateLimit ?? {};
        try {
          validateStoreRateLimitOptions(rateLimit);
        } catch (error) {
          // A bad module option is a configuration error, whatever validator found it.
          if (error instanceof StoreValidationError) throw new StoreConfigurationError(`StoreModule options: ${error.message.replace('Invalid rateLimit', 'Invalid options.rateLimit')}`);
          throw error;
        }
        return rateLimit;
      },
      inject: [STORE_MODULE_OPTIONS],
    },
    {
      provide: RateLimiterService,
      useFactory: (context: StoreContext, rateLimit: StoreRateLimitOptions) => new RateLimiterService(context, { failure: rateLimit.failure }),
      inject: [STORE_CONTEXT, STORE_RATE_LIMIT_OPTIONS],
    },
    RateLimitGuard,
    StoreLifecycle,
    CacheMethodExplorer,
    OnChannelExplorer,
    CacheableInterceptor,
    CacheEvictInterceptor,
  ],
  exports: [
    StoreService,
    STORE_DRIVER,
    STORE_RESOLVED_OPTIONS,
    STORE_CONTEXT,
    STORE_CACHE_DECORATOR_OPTIONS,
    CacheableInterceptor,
    CacheEvictInterceptor,
    STORE_RATE_LIMIT_OPTIONS,
    RateLimiterService,
    RateLimitGuard,
  ],
})
export class StoreModule extends StoreConfigurableModule {}
