/** Injection token of the active `StoreDriver` (internal: later capabilities build on it). */
export const STORE_DRIVER = Symbol('STORE_DRIVER');

/** Injection token of the validated options with defaults applied. */
export const STORE_RESOLVED_OPTIONS = Symbol('STORE_RESOLVED_OPTIONS');
