import { ttlToMs } from '../../common/ttl.js';
import { assertStoreOption } from '../../common/validation.js';
import { StoreValidationError, describe } from '../../errors/store.errors.js';
import type {
  CacheableOptions,
  CacheEvictOptions,
  StoreCacheDecoratorOptions,
} from './cache-decorator-options.interface.js';

const TTL_OPTIONS = ['ttl', 'grace', 'softTimeout', 'hardTimeout'] as const;
const FUNCTION_OPTIONS = ['condition', 'unless', 'user'] as const;
/** An HTTP field name (RFC 9110 `token`). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Rejects bad `@Cacheable` options when the class is defined, not on the first request. */
export function validateCacheableOptions(options: CacheableOptions): void {
  assertObject(options, '@Cacheable');
  for (const name of TTL_OPTIONS) if (options[name] !== undefined) ttlToMs(options[name]);
  for (const name of FUNCTION_OPTIONS) assertOptionalFunction(options[name], `@Cacheable ${name}`);
  assertKeySource(options.key, '@Cacheable key');
  assertStrings(options.tags, '@Cacheable tags');
  assertStrings(options.methods, '@Cacheable methods');
  assertHeaderNames(options.credentialHeaders, '@Cacheable credentialHeaders');
  assertScope(options.scope, '@Cacheable');
  assertStoreOption(options.store, '@Cacheable');
}

/** Rejects bad module-level `cache` options when the module starts. */
export function validateCacheDecoratorOptions(options: StoreCacheDecoratorOptions): void {
  assertObject(options, 'StoreModule cache');
  assertOptionalFunction(options.user, 'StoreModule cache.user');
  if (options.honorNoCache !== undefined && typeof options.honorNoCache !== 'boolean')
    fail('StoreModule cache.honorNoCache', options.honorNoCache, 'a boolean');
  assertHeaderNames(options.credentialHeaders, 'StoreModule cache.credentialHeaders');
}

/** Rejects bad `@CacheEvict` options when the class is defined. */
export function validateCacheEvictOptions(options: CacheEvictOptions): void {
  assertObject(options, '@CacheEvict');
  if (options.keys !== undefined && !Array.isArray(options.keys))
    fail('@CacheEvict keys', options.keys, 'an array');
  for (const key of options.keys ?? []) assertKeySource(key, '@CacheEvict keys');
  assertStrings(options.tags, '@CacheEvict tags');
  assertStrings(options.patterns, '@CacheEvict patterns');
  assertOptionalFunction(options.user, '@CacheEvict user');
  assertScope(options.scope, '@CacheEvict');
  assertStoreOption(options.store, '@CacheEvict');
}

function assertObject(options: unknown, what: string): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    fail(`${what} options`, options, 'an object');
}

function assertKeySource(key: unknown, what: string): void {
  const valid =
    key === undefined || typeof key === 'function' || (typeof key === 'string' && key.length > 0);
  if (!valid) fail(what, key, 'a non-empty template string or a function');
}

function assertStrings(values: unknown, what: string): void {
  if (values === undefined) return;
  if (
    !Array.isArray(values) ||
    values.some((value) => typeof value !== 'string' || value.length === 0)
  ) {
    fail(what, values, 'an array of non-empty strings');
  }
}

function assertHeaderNames(values: unknown, what: string): void {
  assertStrings(values, what);
  const bad = (values as string[] | undefined)?.find((name) => !HEADER_NAME.test(name));
  if (bad !== undefined) fail(what, bad, 'an HTTP header name');
}

function assertOptionalFunction(value: unknown, what: string): void {
  if (value !== undefined && typeof value !== 'function') fail(what, value, 'a function');
}

function assertScope(scope: unknown, what: string): void {
  if (scope !== undefined && scope !== 'shared' && scope !== 'user' && scope !== 'public')
    fail(`${what} scope`, scope, "'shared', 'user' or 'public'");
}

function fail(what: string, value: unknown, expected: string): never {
  throw new StoreValidationError(`Invalid ${what} ${describe(value)}: expected ${expected}`);
}
