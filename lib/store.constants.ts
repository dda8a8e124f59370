/** Injection token of the active `StoreDriver` (internal: later capabilities build on it). */
export const STORE_DRIVER = Symbol('STORE_DRIVER');

/** Injection token of the validated options with defaults applied. */
export const STORE_RESOLVED_OPTIONS = Symbol('STORE_RESOLVED_OPTIONS');

/** Injection token of the state shared by the root store and its namespaces (internal). */
export const STORE_CONTEXT = Symbol('STORE_CONTEXT');
