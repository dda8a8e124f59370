import { Module, type DynamicModule, type InjectionToken, type Provider } from '@nestjs/common';
import { CacheEvictInterceptor } from './nest/cache/cache-evict.interceptor.js';
import { CacheableInterceptor } from './nest/cache/cacheable.interceptor.js';
import { RateLimitGuard } from './nest/rate-limit/rate-limit.guard.js';
import { assertSingleCopy } from './common/single-copy.js';
import { describe, StoreConfigurationError, StoreValidationError } from './errors/store.errors.js';
import type { StoreModuleOptions } from './config/store-options.interface.js';
import type {
  StoreFeatureOptions,
  StoreModuleAsyncOptions,
  StoreModuleRootOptions,
  StoreOptionsFactory,
} from './store.module-definition.js';
import { StoreCoreModule } from './store-core.module.js';
import { assertStoreName, storeTokens, type StoreTokens } from './nest/store.tokens.js';
import { StoreService } from './store/store.service.js';
import { STORE_ROOT } from './nest/store.constants.js';
import { StoreHealthIndicator } from './nest/health/store-health.indicator.js';
import { assertKnownKeys } from './config/option-keys.js';

const ASYNC_KEYS = [
  'name',
  'isGlobal',
  'imports',
  'inject',
  'useFactory',
  'useClass',
  'useExisting',
  'extraProviders',
];
const FEATURE_KEYS = ['store', 'namespace'];

/**
 * The module.
 * - `StoreModule.forRoot(options)` / `forRootAsync({ useFactory | useClass | useExisting })`, once
 *   per store in the root module: connects the store and provides `StoreService` to that module
 *   (to every module with `isGlobal: true`). With `name`, a second store with its own connection.
 * - `StoreModule.forFeature({ store?, namespace? })` in a feature module: gives it the store (the
 *   namespaced one with `namespace`). Plain `imports: [StoreModule]` is `forFeature()`.
 */
@Module({
  providers: [
    { provide: StoreService, useExisting: STORE_ROOT },
    ...publicProviders(storeTokens()),
  ],
  exports: exportsOf(storeTokens()),
})
export class StoreModule {
  /** Registers a store with static options. */
  static forRoot(options: StoreModuleRootOptions): DynamicModule {
    assertSingleCopy();
    if (options === null || typeof options !== 'object')
      throw new StoreConfigurationError(
        `StoreModule.forRoot: expected an options object, got ${describe(options)}`,
      );
    const { name, isGlobal, ...storeOptions } = options;
    const tokens = storeTokens(assertStoreName(name, 'StoreModule.forRoot name'));
    return rootModule(
      tokens,
      isGlobal,
      StoreCoreModule.register(tokens, [{ provide: tokens.options, useValue: storeOptions }]),
    );
  }

  /**
   * Registers a store whose options come from a factory, a class or an existing provider (a config
   * service).
   */
  static forRootAsync(options: StoreModuleAsyncOptions): DynamicModule {
    assertSingleCopy();
    if (options === null || typeof options !== 'object')
      throw new StoreConfigurationError(
        `StoreModule.forRootAsync: expected an options object, got ${describe(options)}`,
      );
    assertKnownKeys(
      options as unknown as Record<string, unknown>,
      ASYNC_KEYS,
      'StoreModule.forRootAsync options',
    );
    const tokens = storeTokens(assertStoreName(options.name, 'StoreModule.forRootAsync name'));
    const core = StoreCoreModule.register(
      tokens,
      [...asyncOptionsProviders(tokens, options), ...(options.extraProviders ?? [])],
      options.imports,
    );
    return rootModule(tokens, options.isGlobal, core);
  }

  /**
   * Gives a feature module the store `store` (default: the default store), or its namespace
   * `namespace`: `StoreService` (`@InjectStore(store)`), `RateLimiterService`, and the store its
   * `@Cacheable` / `@CacheEvict` handlers and methods and `@OnChannel` listeners use.
   */
  static forFeature(options: StoreFeatureOptions = {}): DynamicModule {
    if (options === null || typeof options !== 'object')
      throw new StoreConfigurationError(
        `StoreModule.forFeature: expected an options object, got ${describe(options)}`,
      );
    assertKnownKeys(
      options as unknown as Record<string, unknown>,
      FEATURE_KEYS,
      'StoreModule.forFeature options',
    );
    const tokens = storeTokens(assertStoreName(options.store, 'StoreModule.forFeature store'));
    const { namespace } = options;
    const store: Provider =
      namespace === undefined
        ? { provide: tokens.store, useExisting: tokens.root }
        : {
            provide: tokens.store,
            useFactory: (root: StoreService) => featureNamespace(root, namespace),
            inject: [tokens.root],
          };
    return {
      module: StoreFeatureModule,
      providers: [store, ...publicProviders(tokens)],
      exports: exportsOf(tokens),
    };
  }
}

/**
 * The module `forFeature` returns (a class of its own, so it does not inherit `StoreModule`'s
 * default-store providers).
 */
@Module({})
export class StoreFeatureModule {}

/**
 * The module `forRoot` returns: the core, and the store's public providers for the importing
 * module.
 */
@Module({})
export class StoreRootModule {}

function rootModule(tokens: StoreTokens, isGlobal: unknown, core: DynamicModule): DynamicModule {
  if (isGlobal !== undefined && typeof isGlobal !== 'boolean')
    throw new StoreConfigurationError(
      `StoreModule: invalid options.isGlobal ${describe(isGlobal)}: expected a boolean`,
    );
  return {
    module: StoreRootModule,
    global: isGlobal ?? false,
    imports: [core],
    providers: [{ provide: tokens.store, useExisting: tokens.root }, ...publicProviders(tokens)],
    exports: exportsOf(tokens),
  };
}

/**
 * What a module using the store gets besides `StoreService`: `RateLimiterService`, the health
 * indicator, and the guard and interceptors, so `{ provide: APP_GUARD, useExisting:
 * RateLimitGuard }` works as in Nest's own modules.
 */
function publicProviders(tokens: StoreTokens): Provider[] {
  return [
    { provide: tokens.rateLimiter, useExisting: tokens.rootRateLimiter },
    RateLimitGuard.forStore(tokens.name),
    CacheableInterceptor.forStore(tokens.name),
    CacheEvictInterceptor.forStore(tokens.name),
    StoreHealthIndicator.forStore(tokens.name),
  ];
}

function exportsOf(tokens: StoreTokens): Array<InjectionToken> {
  return [
    tokens.store,
    tokens.rateLimiter,
    RateLimitGuard.forStore(tokens.name),
    CacheableInterceptor.forStore(tokens.name),
    CacheEvictInterceptor.forStore(tokens.name),
    StoreHealthIndicator.forStore(tokens.name),
  ];
}

function asyncOptionsProviders(tokens: StoreTokens, options: StoreModuleAsyncOptions): Provider[] {
  const styles = [options.useFactory, options.useClass, options.useExisting].filter(
    (style) => style !== undefined,
  ).length;
  if (styles !== 1)
    throw new StoreConfigurationError(
      'StoreModule.forRootAsync: give exactly one of useFactory, useClass or useExisting',
    );
  if (options.useFactory) {
    if (typeof options.useFactory !== 'function')
      throw new StoreConfigurationError(
        `StoreModule.forRootAsync: invalid useFactory ${describe(options.useFactory)}: ` +
          'expected a function',
      );
    return [
      {
        provide: tokens.options,
        useFactory: options.useFactory as (...args: unknown[]) => StoreModuleOptions,
        inject: options.inject ?? [],
      },
    ];
  }
  const factoryToken = options.useExisting ?? options.useClass!;
  const fromFactory: Provider = {
    provide: tokens.options,
    useFactory: (factory: StoreOptionsFactory) => factory.createStoreOptions(),
    inject: [factoryToken],
  };
  return options.useClass
    ? [{ provide: options.useClass, useClass: options.useClass }, fromFactory]
    : [fromFactory];
}

/**
 * The namespace a feature module gets; a name the store refuses is a configuration error at
 * bootstrap.
 */
function featureNamespace(root: StoreService, namespace: unknown): StoreService {
  try {
    return root.namespace(namespace as string);
  } catch (error) {
    if (error instanceof StoreValidationError)
      throw new StoreConfigurationError(`StoreModule.forFeature: ${error.message}`);
    throw error;
  }
}
