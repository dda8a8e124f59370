import { optionalTtlToMs } from '../../common/ttl.js';
import { StoreValidationError, describe } from '../../errors/store.errors.js';
import type { ResolvedCacheOptions } from './cache-aside.js';
import type { StoreCacheOptions } from './cache-options.interface.js';
import { earlyRefreshPolicy } from './freshness.js';

/**
 * Validates `getOrSet` options before anything runs. `tagKeys` maps (and validates) tag names to
 * this store's tag keys; `defaultTtlMs` is the module's `defaultTtl`.
 */
export function resolveCacheOptions(
  options: StoreCacheOptions | undefined,
  defaultTtlMs: number | undefined,
  tagKeys: (tags: string[]) => string[],
): ResolvedCacheOptions {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new StoreValidationError(`Options must be an object, got ${describe(options)}`);
  }
  const o = options ?? {};
  checkEarlyRefresh(o.earlyRefresh);
  return {
    ttlMs: optionalTtlToMs(o.ttl, defaultTtlMs),
    graceMs: optionalTtlToMs(o.grace, undefined),
    tagKeys: o.tags === undefined ? [] : tagKeys(o.tags),
    early: earlyRefreshPolicy(o.earlyRefresh),
    softMs: optionalTtlToMs(o.softTimeout, undefined),
    hardMs: optionalTtlToMs(o.hardTimeout, undefined),
    lock: flag(o.lock, 'lock'),
    l1: flag(o.l1, 'l1'),
  };
}

function checkEarlyRefresh(option: unknown): void {
  if (option === undefined || typeof option === 'boolean') return;
  const valid =
    option !== null &&
    typeof option === 'object' &&
    ('threshold' in option
      ? typeof option.threshold === 'number' && option.threshold > 0 && option.threshold < 1
      : !('beta' in option) ||
        (typeof option.beta === 'number' && Number.isFinite(option.beta) && option.beta > 0));
  if (!valid) {
    throw new StoreValidationError(
      `Invalid earlyRefresh ${describe(option)}: expected true, { beta > 0 } or ` +
        '{ threshold between 0 and 1 }',
    );
  }
}

function flag(value: unknown, name: string): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean')
    throw new StoreValidationError(`Invalid ${name} ${describe(value)}: must be a boolean`);
  return value;
}
