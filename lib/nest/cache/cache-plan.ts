import { CACHE_KEY_PREFIX, USER_CACHE_KEY_PREFIX } from './cache.constants.js';
import type {
  CacheableOptions,
  CacheKeyContext,
  CacheScope,
} from './cache-decorator-options.interface.js';
import type { StoreCacheOptions } from '../../engine/cache/cache-options.interface.js';
import { fillAll, resolveKey } from './cache-key.resolver.js';

/** What to do with one call of a `@Cacheable` handler or method. */
export type CachePlan =
  /** Read or fill the entry `key` (already prefixed) with these store options. */
  | { kind: 'cache'; key: string; options: StoreCacheOptions }
  /** Run the handler without the cache, for the reason given (logged at debug level). */
  | { kind: 'bypass'; reason: string };

/** A plan that reads or fills an entry. */
export type CacheEntryPlan = Extract<CachePlan, { kind: 'cache' }>;

/**
 * Identity of the caller: `null` when the entry is shared, `undefined` when a per-user entry has no
 * identity.
 */
export type CacheIdentity = string | null | undefined;

/**
 * Decides the key and store options of one call: condition, key (`keyOf`, asked only when the
 * condition holds), tags, scope.
 */
export function planCacheable(
  options: CacheableOptions,
  ctx: CacheKeyContext,
  keyOf: () => string | undefined,
  identity: CacheIdentity,
): CachePlan {
  if (options.condition && !options.condition(ctx))
    return { kind: 'bypass', reason: 'condition returned false' };
  const key = keyOf();
  if (key === undefined)
    return { kind: 'bypass', reason: 'the key could not be built from this call' };
  const tags = fillAll(options.tags, ctx);
  if (tags === undefined)
    return { kind: 'bypass', reason: 'a tag could not be built from this call' };
  const scoped = scopedKey(key, identity);
  if (scoped === undefined)
    return { kind: 'bypass', reason: "scope 'user' without a user identity" };
  return { kind: 'cache', key: scoped, options: storeOptions(options, tags) };
}

/** The key of a call from the decorator's `key` (template or function), else `defaultKey`. */
export function templateKey(
  options: CacheableOptions,
  ctx: CacheKeyContext,
  defaultKey: () => string | undefined,
): string | undefined {
  return options.key === undefined ? defaultKey() : resolveKey(options.key, ctx);
}

/**
 * The store key of a decorator key: `cache:<key>` when shared, `cache-user:<identity>:<key>` per
 * user.
 */
export function scopedKey(key: string, identity: CacheIdentity): string | undefined {
  if (identity === undefined) return undefined;
  return identity === null
    ? CACHE_KEY_PREFIX + key
    : `${USER_CACHE_KEY_PREFIX}${encodeURIComponent(identity)}:${key}`;
}

/**
 * The identity a scope needs: `null` for shared and public entries, the resolved identity (maybe
 * `undefined`) per user.
 */
export function identityFor(
  scope: CacheScope | undefined,
  resolve: () => string | undefined,
): CacheIdentity {
  return scope === 'user' ? resolve() : null;
}

/** The `getOrSet` options of a `@Cacheable` (decorator-only fields removed, tags filled in). */
function storeOptions(options: CacheableOptions, tags: string[]): StoreCacheOptions {
  const {
    key,
    tags: templates,
    scope,
    user,
    condition,
    unless,
    methods,
    honorNoCache,
    credentialHeaders,
    store: storeName,
    ...store
  } = options;
  const picked: StoreCacheOptions = tags.length > 0 ? { ...store, tags } : { ...store };
  for (const name of Object.keys(picked) as Array<keyof StoreCacheOptions>) {
    if (picked[name] === undefined) delete picked[name];
  }
  return picked;
}
