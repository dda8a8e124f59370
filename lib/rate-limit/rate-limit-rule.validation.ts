import { ttlToMs } from '../common/ttl.js';
import { assertStoreOption } from '../common/validation.js';
import { StoreValidationError, describe } from '../errors/store.errors.js';
import type { RateLimitAlgorithm } from './rate-limit.interfaces.js';
import type { RateLimitRule, StoreRateLimitOptions } from './rate-limit-options.interface.js';
import { DEFAULT_POLICY_NAME } from './rate-limit.constants.js';

const ALGORITHMS: readonly RateLimitAlgorithm[] = ['fixed-window', 'sliding-window', 'sliding-log', 'token-bucket', 'gcra'];
const HEADER_MODES: readonly unknown[] = ['legacy', 'ietf', 'both', false];

/**
 * Checks `@RateLimit` / module-default policies when the class (or module) is defined, not on the
 * first request, and returns them as a frozen list. Names must be unique (unnamed = `'default'`).
 */
export function validateRateLimitRules(rules: unknown, what: string): readonly RateLimitRule[] {
  const list: unknown[] = Array.isArray(rules) ? rules : [rules];
  if (list.length === 0) fail(what, rules, 'a policy or a non-empty array of policies');
  const names = new Set<string>();
  for (const rule of list) {
    assertRule(rule, what);
    const name = rule.name ?? DEFAULT_POLICY_NAME;
    if (names.has(name)) fail(`${what} name`, name, 'a name used by one policy only (unnamed policies are "default")');
    names.add(name);
  }
  return Object.freeze(list.map((rule) => Object.freeze({ ...(rule as RateLimitRule) })));
}

/** Checks module-level `rateLimit` options at bootstrap. */
export function validateStoreRateLimitOptions(options: StoreRateLimitOptions): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) fail('rateLimit options', options, 'an object');
  if (options.defaults !== undefined) validateRateLimitRules(options.defaults, 'rateLimit.defaults');
  if (options.headers !== undefined && !HEADER_MODES.includes(options.headers)) fail('rateLimit.headers', options.headers, "'legacy', 'ietf', 'both' or false");
  assertKey(options.key, 'rateLimit.key');
  assertFailure(options.failure, 'rateLimit.failure');
}

function assertRule(rule: unknown, what: string): asserts rule is RateLimitRule {
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) fail(`${what} policy`, rule, 'an object { limit, window }');
  const candidate = rule as Partial<RateLimitRule>;
  if (typeof candidate.limit !== 'number' || !Number.isSafeInteger(candidate.limit) || candidate.limit <= 0) {
    fail(`${what} limit`, candidate.limit, 'a positive integer');
  }
  ttlToMs(candidate.window);
  if (candidate.blockDuration !== undefined) ttlToMs(candidate.blockDuration);
  if (candidate.algorithm !== undefined && !ALGORITHMS.includes(candidate.algorithm)) fail(`${what} algorithm`, candidate.algorithm, ALGORITHMS.join(', '));
  if (candidate.name !== undefined && (typeof candidate.name !== 'string' || candidate.name.length === 0)) fail(`${what} name`, candidate.name, 'a non-empty string');
  if (candidate.scope !== undefined && (typeof candidate.scope !== 'string' || candidate.scope.length === 0)) fail(`${what} scope`, candidate.scope, 'a non-empty string');
  assertKey(candidate.key, `${what} key`);
  assertFailure(candidate.failure, `${what} failure`);
  assertStoreOption(candidate.store, what);
}

function assertKey(key: unknown, what: string): void {
  if (key !== undefined && key !== 'ip' && key !== 'user' && typeof key !== 'function') fail(what, key, "'ip', 'user' or a function of the ExecutionContext");
}

function assertFailure(failure: unknown, what: string): void {
  if (failure !== undefined && failure !== 'open' && failure !== 'closed') fail(what, failure, "'open' or 'closed'");
}

function fail(what: string, value: unknown, expected: string): never {
  throw new StoreValidationError(`Invalid ${what} ${describe(value)}: expected ${expected}`);
}
