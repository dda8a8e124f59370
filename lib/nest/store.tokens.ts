import type { InjectionToken } from '@nestjs/common';
import { STORE_CACHE_DECORATOR_OPTIONS } from './cache/cache.constants.js';
import { describe, StoreConfigurationError } from '../errors/store.errors.js';
import { STORE_RATE_LIMIT_OPTIONS } from './rate-limit/rate-limit.constants.js';
import { RateLimiterService } from '../engine/rate-limit/rate-limiter.service.js';
import {
  STORE_CONTEXT,
  STORE_DRIVER,
  STORE_MODULE_OPTIONS,
  STORE_RESOLVED_OPTIONS,
  STORE_ROOT,
} from './store.constants.js';
import { StoreService } from '../store/store.service.js';

/** The name of the store `forRoot` registers when it is given no `name`. */
export const DEFAULT_STORE_NAME = 'default';

/**
 * The injection tokens of one store: those of the default store are the exported constants and
 * classes.
 */
export interface StoreTokens {
  name: string;
  /** The options as given to `forRoot` / returned by the `forRootAsync` factory. */
  options: InjectionToken;
  resolved: InjectionToken;
  driver: InjectionToken;
  context: InjectionToken;
  /** The root `StoreService` (never a namespace), visible everywhere. */
  root: InjectionToken;
  cacheDefaults: InjectionToken;
  rateLimitOptions: InjectionToken;
  /** Where feature code injects the store: `StoreService` for the default store. */
  store: InjectionToken;
  /** Where feature code injects the rate limiter: `RateLimiterService` for the default store. */
  rateLimiter: InjectionToken;
  /** The rate limiter the guard uses, visible everywhere. */
  rootRateLimiter: InjectionToken;
}

const DEFAULT_TOKENS: StoreTokens = {
  name: DEFAULT_STORE_NAME,
  options: STORE_MODULE_OPTIONS,
  resolved: STORE_RESOLVED_OPTIONS,
  driver: STORE_DRIVER,
  context: STORE_CONTEXT,
  root: STORE_ROOT,
  cacheDefaults: STORE_CACHE_DECORATOR_OPTIONS,
  rateLimitOptions: STORE_RATE_LIMIT_OPTIONS,
  store: StoreService,
  rateLimiter: RateLimiterService,
  rootRateLimiter: Symbol('STORE_ROOT_RATE_LIMITER'),
};

const namedTokens = new Map<string, StoreTokens>();

/** The tokens of the store `name` (the default store when `name` is omitted or `'default'`). */
export function storeTokens(name: string = DEFAULT_STORE_NAME): StoreTokens {
  if (name === DEFAULT_STORE_NAME) return DEFAULT_TOKENS;
  let tokens = namedTokens.get(name);
  if (!tokens) {
    // Strings, so Nest's "can't resolve dependencies" messages name the store.
    const token = (part: string) => `nestjs-store:${name}:${part}`;
    tokens = {
      name,
      options: token('options'),
      resolved: token('resolved-options'),
      driver: token('driver'),
      context: token('context'),
      root: token('root'),
      cacheDefaults: token('cache-options'),
      rateLimitOptions: token('rate-limit-options'),
      store: token('StoreService'),
      rateLimiter: token('RateLimiterService'),
      rootRateLimiter: token('root-rate-limiter'),
    };
    namedTokens.set(name, tokens);
  }
  return tokens;
}

/**
 * The token `StoreService` of the store `name` is provided under: `StoreService` itself for the
 * default store, a string for a named one. `@InjectStore(name)` is `@Inject(getStoreToken(name))`;
 * use it with `moduleRef.get()` or in a test's `overrideProvider`.
 */
export function getStoreToken(name?: string): InjectionToken {
  return storeTokens(assertStoreName(name, 'getStoreToken')).store;
}

/**
 * The token `RateLimiterService` of the store `name` is provided under (the class itself for the
 * default store).
 */
export function getRateLimiterToken(name?: string): InjectionToken {
  return storeTokens(assertStoreName(name, 'getRateLimiterToken')).rateLimiter;
}

/**
 * A store name: `undefined` is the default store; otherwise a non-empty string of at most 100
 * characters.
 */
export function assertStoreName(name: unknown, where: string): string {
  if (name === undefined) return DEFAULT_STORE_NAME;
  if (typeof name !== 'string' || name.length === 0 || name.length > 100 || name.trim() !== name) {
    throw new StoreConfigurationError(
      `${where}: invalid store name ${describe(name)}: expected a non-empty string ` +
        'of at most 100 characters, without surrounding spaces',
    );
  }
  return name;
}
