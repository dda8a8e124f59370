import { assertStoreOption } from '../../common/validation.js';
import type { RateLimitRule, StoreRateLimitOptions } from './rate-limit-options.interface.js';
import {
  assertRateLimitFailure,
  invalidRateLimitOption as fail,
  resolveRateLimitPolicy,
} from '../../engine/rate-limit/rate-limit-policy.js';

const HEADER_MODES: readonly unknown[] = ['legacy', 'ietf', 'both', false];

/**
 * Checks `@RateLimit` / module-default policies when the class (or module) is defined, not on the
 * first request, and returns them as a frozen list. Names must be unique (unnamed = `'default'`).
 * The policy fields go through the same validator `RateLimiterService` uses; the name's length is
 * checked against the store's `maxKeyLength` when a store first counts it.
 */
export function validateRateLimitRules(rules: unknown, what: string): readonly RateLimitRule[] {
  const list: unknown[] = Array.isArray(rules) ? rules : [rules];
  if (list.length === 0) fail(what, rules, 'a policy or a non-empty array of policies');
  const names = new Set<string>();
  for (const rule of list) {
    const { name } = resolveRateLimitPolicy(rule, {
      what,
      defaultFailure: 'open',
      maxNameLength: Number.MAX_SAFE_INTEGER,
    });
    assertRuleTarget(rule as RateLimitRule, what);
    if (names.has(name))
      fail(`${what} name`, name, 'a name used by one policy only (unnamed policies are "default")');
    names.add(name);
  }
  return rateLimitRuleList(list as RateLimitRule[]);
}

/**
 * One policy or several, as a frozen list of frozen copies: what the guard and the metadata hold.
 */
export function rateLimitRuleList(
  rules: RateLimitRule | readonly RateLimitRule[],
): readonly RateLimitRule[] {
  const list: readonly RateLimitRule[] = Array.isArray(rules) ? rules : [rules as RateLimitRule];
  return Object.freeze(list.map((rule) => Object.freeze({ ...rule })));
}

/** Checks module-level `rateLimit` options, once, at bootstrap. */
export function validateStoreRateLimitOptions(options: StoreRateLimitOptions): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    fail('rateLimit options', options, 'an object');
  if (options.defaults !== undefined)
    validateRateLimitRules(options.defaults, 'rateLimit.defaults');
  if (options.headers !== undefined && !HEADER_MODES.includes(options.headers))
    fail('rateLimit.headers', options.headers, "'legacy', 'ietf', 'both' or false");
  assertKey(options.key, 'rateLimit.key');
  if (options.failure !== undefined) assertRateLimitFailure(options.failure, 'rateLimit.failure');
  const { maxBlockedKeys } = options;
  if (
    maxBlockedKeys !== undefined &&
    (typeof maxBlockedKeys !== 'number' ||
      !Number.isSafeInteger(maxBlockedKeys) ||
      maxBlockedKeys <= 0)
  ) {
    fail('rateLimit.maxBlockedKeys', maxBlockedKeys, 'a positive integer');
  }
}

/** The fields a rule has beyond its policy: where it counts and who is counted. */
function assertRuleTarget(rule: RateLimitRule, what: string): void {
  if (rule.scope !== undefined && (typeof rule.scope !== 'string' || rule.scope.length === 0))
    fail(`${what} scope`, rule.scope, 'a non-empty string');
  assertKey(rule.key, `${what} key`);
  assertStoreOption(rule.store, what);
}

function assertKey(key: unknown, what: string): void {
  if (key !== undefined && key !== 'ip' && key !== 'user' && typeof key !== 'function')
    fail(what, key, "'ip', 'user' or a function of the ExecutionContext");
}
