import { ttlToMs } from '../../common/ttl.js';
import { assertName } from '../../common/validation.js';
import { StoreValidationError, describe } from '../../errors/store.errors.js';
import type { RateLimitAlgorithmDefinition } from './algorithms/rate-limit-algorithm.js';
import {
  DEFAULT_RATE_LIMIT_ALGORITHM,
  RATE_LIMIT_ALGORITHMS,
  rateLimitAlgorithmOf,
  type RateLimitAlgorithm,
} from './algorithms/registry.js';
import type { RateLimitFailurePolicy, RateLimitPolicy } from './rate-limit.interfaces.js';

/** The policy name used when a policy has none. */
export const DEFAULT_POLICY_NAME = 'default';

/** Every failure policy, in the order error messages list them. */
export const RATE_LIMIT_FAILURE_POLICIES: readonly RateLimitFailurePolicy[] = [
  'open',
  'closed',
  'memory',
];

/** Throws a `StoreValidationError` naming `what` unless `failure` is a failure policy. */
export function assertRateLimitFailure(
  failure: unknown,
  what: string,
): asserts failure is RateLimitFailurePolicy {
  if (!RATE_LIMIT_FAILURE_POLICIES.includes(failure as RateLimitFailurePolicy))
    invalidRateLimitOption(what, failure, "'open', 'closed' or 'memory'");
}

/** A policy after validation, with defaults filled in and durations in ms. */
export interface ResolvedRateLimitPolicy {
  name: string;
  limit: number;
  windowMs: number;
  algorithm: RateLimitAlgorithmDefinition<RateLimitAlgorithm>;
  /** 0 without `blockDuration`. */
  blockMs: number;
  failure: RateLimitFailurePolicy;
  /** What tells this policy's state apart from other policies' for one key: name and algorithm. */
  scope: string;
}

/** What a policy is checked against, and how its errors name it. */
export interface RateLimitPolicyContext {
  /** The failure policy of a policy without its own. */
  defaultFailure: RateLimitFailurePolicy;
  /** The longest name (the store's `maxKeyLength`; unbounded where no store is known yet). */
  maxNameLength: number;
  /**
   * How errors name the policy (`'@RateLimit'`, `'rateLimit.defaults'`). Default:
   * `rate limit policy "<name>"`.
   */
  what?: string;
}

/**
 * The one validator of a policy, for `RateLimiterService`, `@RateLimit` and the module defaults
 * alike: throws a `StoreValidationError` (or its `StoreInvalidTtlError` subclass) naming the bad
 * field; nothing reaches the store before this passes.
 */
export function resolveRateLimitPolicy(
  policy: unknown,
  context: RateLimitPolicyContext,
): ResolvedRateLimitPolicy {
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) {
    invalidRateLimitOption(
      `${context.what ?? 'rate limit'} policy`,
      policy,
      'an object { limit, window, algorithm?, ... }',
    );
  }
  const candidate = policy as Partial<RateLimitPolicy>;
  const name = candidate.name ?? DEFAULT_POLICY_NAME;
  assertName(name, `${context.what ?? 'rate limit policy'} name`, context.maxNameLength);
  const what = context.what ?? `rate limit policy "${name}"`;
  const { limit } = candidate;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit <= 0)
    invalidRateLimitOption(`${what} limit`, limit, 'a positive integer');
  const windowMs = ttlToMs(candidate.window);
  if (!Number.isSafeInteger(limit * windowMs)) {
    throw new StoreValidationError(
      `Invalid ${what}: limit (${limit}) × window (${windowMs} ms) must stay below 2^53`,
    );
  }
  const algorithm = resolveAlgorithm(candidate.algorithm, limit, what);
  const blockMs = candidate.blockDuration === undefined ? 0 : ttlToMs(candidate.blockDuration);
  const failure = candidate.failure ?? context.defaultFailure;
  assertRateLimitFailure(failure, `${what} failure`);
  return { name, limit, windowMs, algorithm, blockMs, failure, scope: `${algorithm.id}:${name}` };
}

/** The registered algorithm `id` names (the default when undefined), if it takes `limit`. */
function resolveAlgorithm(
  id: unknown,
  limit: number,
  what: string,
): RateLimitAlgorithmDefinition<RateLimitAlgorithm> {
  const algorithm = id === undefined ? DEFAULT_RATE_LIMIT_ALGORITHM : rateLimitAlgorithmOf(id);
  if (algorithm === undefined)
    invalidRateLimitOption(
      `${what} algorithm`,
      id,
      RATE_LIMIT_ALGORITHMS.map((known) => known.id).join(', '),
    );
  const problem = algorithm.limitProblem?.(limit);
  if (problem !== undefined) invalidRateLimitOption(`${what} limit`, limit, problem);
  return algorithm;
}

/** Throws unless `cost` is at most the policy's limit (a larger cost could never be admitted). */
export function assertRateLimitCostFits(cost: number, policy: ResolvedRateLimitPolicy): void {
  if (cost > policy.limit) {
    throw new StoreValidationError(
      `Invalid rate limit cost ${cost} for policy "${policy.name}": ` +
        `must be at most its limit (${policy.limit})`,
    );
  }
}

/** Throws unless `cost` is a non-negative safe integer. */
export function assertRateLimitCost(cost: unknown): asserts cost is number {
  if (typeof cost !== 'number' || !Number.isSafeInteger(cost) || cost < 0) {
    throw new StoreValidationError(
      `Invalid rate limit cost ${describe(cost)}: must be a non-negative integer`,
    );
  }
}

/** `Invalid <what> <value>: expected <expected>`, the form every rate-limit option error takes. */
export function invalidRateLimitOption(what: string, value: unknown, expected: string): never {
  throw new StoreValidationError(`Invalid ${what} ${describe(value)}: expected ${expected}`);
}
