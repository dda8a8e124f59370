import type {
  InjectionToken,
  ModuleMetadata,
  OptionalFactoryDependency,
  Provider,
  Type,
} from '@nestjs/common';
import type { StoreModuleOptions } from './config/store-options.interface.js';

export { STORE_MODULE_OPTIONS } from './nest/store.constants.js';

/** Options of `forRoot` / `forRootAsync` that shape the module rather than the store. */
export interface StoreModuleExtras {
  /**
   * Register the store's `StoreService` (and `RateLimiterService`) globally, so every module can
   * inject them without importing `StoreModule.forFeature()`. Default `false`.
   */
  isGlobal?: boolean;
  /**
   * Registers a named store, with its own connection and options, next to the default one:
   * inject it with `@InjectStore(name)`, point decorators at it with `store: name`. Default: the
   * default store (plain `StoreService`).
   */
  name?: string;
}

/** What `forRoot` takes: the store's options and the module extras. */
export type StoreModuleRootOptions = StoreModuleOptions & StoreModuleExtras;

/** A class `forRootAsync({ useClass | useExisting })` asks for the store's options. */
export interface StoreOptionsFactory {
  /** Returns the options of the store (may be async: the connection waits for it). */
  createStoreOptions(): StoreModuleOptions | Promise<StoreModuleOptions>;
}

/** What `forRootAsync` takes: exactly one of `useFactory`, `useClass`, `useExisting`. */
export interface StoreModuleAsyncOptions extends StoreModuleExtras {
  /** Modules whose exported providers `inject` and `useExisting` need (a config module). */
  imports?: ModuleMetadata['imports'];
  /** Providers passed to `useFactory`, in order. */
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** Returns the store's options. */
  useFactory?: (...args: never[]) => StoreModuleOptions | Promise<StoreModuleOptions>;
  /** A `StoreOptionsFactory` class the module instantiates. */
  useClass?: Type<StoreOptionsFactory>;
  /** A `StoreOptionsFactory` provider that already exists (exported by one of `imports`). */
  useExisting?: InjectionToken;
  /** More providers for the options' module (rarely needed). */
  extraProviders?: Provider[];
}

/** What `forFeature` takes. */
export interface StoreFeatureOptions {
  /**
   * The store to give the module: a `name` registered with `forRoot`. Default: the default store.
   */
  store?: string;
  /**
   * Give the module `store.namespace(namespace)` instead of the root store: its `StoreService`,
   * its `@Cacheable` / `@CacheEvict` entries and its `@OnChannel` channels all live in that
   * namespace.
   */
  namespace?: string;
}
