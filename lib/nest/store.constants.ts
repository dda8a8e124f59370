/** Injection token of the active `StoreDriver` (internal: later capabilities build on it). */
export const STORE_DRIVER = Symbol('STORE_DRIVER');

/** Injection token of the validated options with defaults applied. */
export const STORE_RESOLVED_OPTIONS = Symbol('STORE_RESOLVED_OPTIONS');

/** Injection token of the state shared by the root store and its namespaces (internal). */
export const STORE_CONTEXT = Symbol('STORE_CONTEXT');

/**
 * Injection token of the options given to `forRoot` (or returned by the `forRootAsync` factory) of
 * the default store.
 */
export const STORE_MODULE_OPTIONS = Symbol('STORE_MODULE_OPTIONS');

/**
 * Injection token of the default store's root `StoreService`, visible in every module (internal).
 */
export const STORE_ROOT = Symbol('STORE_ROOT');
