import { Logger, Module, type DynamicModule, type Provider } from '@nestjs/common';
import {
  DiscoveryModule,
  DiscoveryService,
  MetadataScanner,
  ModulesContainer,
  Reflector,
} from '@nestjs/core';
import { CacheMethodExplorer } from './nest/cache/cache-method.explorer.js';
import type { StoreCacheDecoratorOptions } from './nest/cache/cache-decorator-options.interface.js';
import { validateCacheDecoratorOptions } from './nest/cache/cache-options.validation.js';
import { resolveStoreOptions, type ResolvedStoreOptions } from './config/resolved-options.js';
import { createDriver } from './config/driver.factory.js';
import { enableMetrics } from './config/metrics.factory.js';
import type { CompleteDriver } from './drivers/store-driver.interface.js';
import { StoreConfigurationError, StoreValidationError } from './errors/store.errors.js';
import type { StoreModuleOptions } from './config/store-options.interface.js';
import { OnChannelExplorer } from './nest/pubsub/on-channel.explorer.js';
import type { StoreRateLimitOptions } from './nest/rate-limit/rate-limit-options.interface.js';
import { validateStoreRateLimitOptions } from './nest/rate-limit/rate-limit-rule.validation.js';
import { RateLimiterService } from './engine/rate-limit/rate-limiter.service.js';
import { createStoreContext, type StoreContext } from './engine/store-context.js';
import { StoreLifecycle } from './store-lifecycle.js';
import { DEFAULT_STORE_NAME, type StoreTokens } from './nest/store.tokens.js';
import { StoreService } from './store/store.service.js';

/**
 * The connection and internals of one store, global so that decorators, guards and explorers
 * reach them from any module (as TypeORM's core module holds its connection). What feature code
 * injects (`StoreService`, `RateLimiterService`) is not here: `forRoot` / `forFeature` / `isGlobal`
 * decide where those are visible.
 */
@Module({})
export class StoreCoreModule {
  /**
   * The core of the store `tokens.name`, its options provided by `optionsProviders` under
   * `tokens.options`.
   */
  static register(
    tokens: StoreTokens,
    optionsProviders: Provider[],
    imports: DynamicModule['imports'] = [],
  ): DynamicModule {
    const exported = [
      tokens.options,
      tokens.resolved,
      tokens.driver,
      tokens.context,
      tokens.root,
      tokens.cacheDefaults,
      tokens.rateLimitOptions,
      tokens.rootRateLimiter,
    ];
    return {
      module: StoreCoreModule,
      global: true,
      imports: [DiscoveryModule, ...imports],
      providers: [...optionsProviders, ...storeProviders(tokens), ...hookProviders(tokens)],
      exports: exported,
    };
  }
}

/**
 * The store itself: resolved options, driver, shared state, root `StoreService`, module-level
 * decorator options.
 */
function storeProviders(tokens: StoreTokens): Provider[] {
  const where = whereOf(tokens);
  return [
    {
      provide: tokens.resolved,
      useFactory: (options: StoreModuleOptions) => resolveStoreOptions(options),
      inject: [tokens.options],
    },
    {
      provide: tokens.driver,
      useFactory: (
        options: StoreModuleOptions,
        resolved: ResolvedStoreOptions,
        modules: ModulesContainer,
      ) => {
        assertRegisteredOnce(modules, tokens, where);
        return createDriver(options, resolved, new Logger(where));
      },
      inject: [tokens.options, tokens.resolved, ModulesContainer],
    },
    {
      provide: tokens.context,
      useFactory: (driver: CompleteDriver, resolved: ResolvedStoreOptions) =>
        createStoreContext(driver, resolved),
      inject: [tokens.driver, tokens.resolved],
    },
    {
      provide: tokens.root,
      useFactory: (context: StoreContext) => StoreService.fromContext(context),
      inject: [tokens.context],
    },
    {
      provide: tokens.cacheDefaults,
      useFactory: (options: StoreModuleOptions) =>
        asConfiguration(where, 'cache', () => cacheDefaults(options.cache)),
      inject: [tokens.options],
    },
    {
      provide: tokens.rateLimitOptions,
      useFactory: (options: StoreModuleOptions) =>
        asConfiguration(where, 'rateLimit', () => rateLimitOptions(options.rateLimit)),
      inject: [tokens.options],
    },
    {
      provide: tokens.rootRateLimiter,
      useFactory: (context: StoreContext, rateLimit: StoreRateLimitOptions) =>
        new RateLimiterService(context, {
          failure: rateLimit.failure,
          maxBlockedKeys: rateLimit.maxBlockedKeys,
        }),
      inject: [tokens.context, tokens.rateLimitOptions],
    },
  ];
}

/** Objects with Nest lifecycle hooks: start-up and shutdown of the store, decorator explorers. */
function hookProviders(tokens: StoreTokens): Provider[] {
  const explorerDeps = [DiscoveryService, MetadataScanner, Reflector, tokens.root, tokens.context];
  return [
    {
      provide: Symbol(`${tokens.name}:lifecycle`),
      useFactory: (context: StoreContext) => new StoreLifecycle(context),
      inject: [tokens.context],
    },
    {
      provide: Symbol(`${tokens.name}:metrics`),
      useFactory: (context: StoreContext) => enableMetrics(context, tokens.name, whereOf(tokens)),
      inject: [tokens.context],
    },
    {
      provide: Symbol(`${tokens.name}:cache-explorer`),
      useFactory: (
        discovery: DiscoveryService,
        scanner: MetadataScanner,
        reflector: Reflector,
        root: StoreService,
        context: StoreContext,
      ) => new CacheMethodExplorer(discovery, scanner, reflector, root, context, tokens),
      inject: explorerDeps,
    },
    {
      provide: Symbol(`${tokens.name}:channel-explorer`),
      useFactory: (
        discovery: DiscoveryService,
        scanner: MetadataScanner,
        reflector: Reflector,
        root: StoreService,
      ) => new OnChannelExplorer(discovery, scanner, reflector, root, tokens),
      inject: explorerDeps.slice(0, 4),
    },
  ];
}

/** How messages name the store: `StoreModule`, or `StoreModule(name)` for a named store. */
function whereOf(tokens: StoreTokens): string {
  return tokens.name === DEFAULT_STORE_NAME ? 'StoreModule' : `StoreModule(${tokens.name})`;
}

/**
 * A store registered by two `forRoot` calls (typically one in a feature module) would open two
 * connections, one silently shadowing the other: refuse it before connecting.
 */
function assertRegisteredOnce(modules: ModulesContainer, tokens: StoreTokens, where: string): void {
  const cores = [...modules.values()].filter(
    (module) => module.metatype === StoreCoreModule && module.providers.has(tokens.context),
  );
  if (cores.length <= 1) return;
  const store =
    tokens.name === DEFAULT_STORE_NAME ? 'the default store' : `the store "${tokens.name}"`;
  throw new StoreConfigurationError(
    `${where}: ${store} is registered ${cores.length} times. ` +
      'Call StoreModule.forRoot / forRootAsync once per store, in the root module, ' +
      'and import StoreModule.forFeature() in feature modules',
  );
}

function cacheDefaults(cache: StoreCacheDecoratorOptions | undefined): StoreCacheDecoratorOptions {
  const options = cache ?? {};
  validateCacheDecoratorOptions(options);
  return options;
}

function rateLimitOptions(rateLimit: StoreRateLimitOptions | undefined): StoreRateLimitOptions {
  const options = rateLimit ?? {};
  validateStoreRateLimitOptions(options);
  return options;
}

/** A bad module option is a configuration error, whatever validator found it. */
function asConfiguration<T>(where: string, option: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof StoreValidationError)) throw error;
    const message = error.message
      .replace(`Invalid ${option}`, `Invalid options.${option}`)
      .replace(`StoreModule ${option}`, `options.${option}`);
    throw new StoreConfigurationError(`${where} options: ${message}`);
  }
}
