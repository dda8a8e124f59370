/** Metadata key under which `@Cacheable` / `@NoCache` store their options on a method. */
export const CACHEABLE_METADATA = 'nestjs-store:cacheable';

/** Metadata key under which `@CacheEvict` stores its options on a method. */
export const CACHE_EVICT_METADATA = 'nestjs-store:cache-evict';

/**
 * Optional injection token of module-level decorator options (`StoreCacheDecoratorOptions`).
 * When nothing is provided under it, the defaults apply.
 */
export const STORE_CACHE_DECORATOR_OPTIONS = Symbol('STORE_CACHE_DECORATOR_OPTIONS');

/**
 * Every key written by `@Cacheable` starts with this segment, so decorator entries never collide
 * with keys the application writes itself in the same store. Evict one by hand with
 * `store.delete(CACHE_KEY_PREFIX + 'user:42')`.
 */
export const CACHE_KEY_PREFIX = 'cache:';

/**
 * Keys of `scope: 'user'` entries start with this segment, followed by the user identity and `:`.
 */
export const USER_CACHE_KEY_PREFIX = 'cache-user:';
