import { ttlToMs } from '../../common/ttl.js';
import { assertName } from '../../common/validation.js';
import { StoreValidationError, describe } from '../../errors/store.errors.js';
import type { RateLimitAlgorithm, RateLimitFailurePolicy, RateLimitPolicy } from '../rate-limit.interfaces.js';
import { DEFAULT_RATE_LIMIT_ALGORITHM, DEFAULT_RATE_LIMIT_NAME, RATE_LIMIT_ALGORITHMS, isRateLimitAlgorithm } from './rate-limit-algorithms.js';

/** A policy after validation, with defaults filled in and durations in ms. */
export interface ResolvedRateLimitPolicy {
  name: string;
  limit: number;
  windowMs: number;
  algorithm: RateLimitAlgorithm;
  /** 0 without `blockDuration`. */
  blockMs: number;
  failure: RateLimitFailurePolicy;
  /** What tells this policy's state apart from other policies' for one key: name and algorithm. */
  scope: string;
}

/**
 * Validates a policy, throwing a `StoreValidationError` (or its `StoreInvalidTtlError` subclass)
 * naming the bad field; nothing reaches the store before this passes.
 */
export function resolveRateLimitPolicy(
  policy: RateLimitPolicy,
  defaultFailure: RateLimitFailurePolicy,
  maxNameLength: number,
): ResolvedRateLimitPolicy {
  if (policy === null || typeof policy !== 'object') {
    throw new StoreValidationError(`Invalid rate limit policy ${describe(policy)}: expected { limit, window, algorithm?, ... }`);
  }
  const name = policy.name ?? DEFAULT_RATE_LIMIT_NAME;
  assertName(name, 'rate limit policy name', maxNameLength);
  const { limit } = policy;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit <= 0) {
    throw new StoreValidationError(`Invalid rate limit ${describe(limit)} in policy "${name}": must be a positive integer`);
  }
  const windowMs = ttlToMs(policy.window);
  if (!Number.isSafeInteger(limit * windowMs)) {
    throw new StoreValidationError(
      `Rate limit policy "${name}" is too large: limit (${limit}) × window (${windowMs} ms) must stay below 2^53`,
    );
  }
  const algorithm = policy.algorithm ?? DEFAULT_RATE_LIMIT_ALGORITHM;
  if (!isRateLimitAlgorithm(algorithm)) {
    throw new StoreValidationError(
      `Unknown rate limit algorithm ${describe(algorithm)} in policy "${name}": expected one of ${Object.keys(RATE_LIMIT_ALGORITHMS).join(', ')}`,
    );
  }
  const blockMs = policy.blockDuration === undefined ? 0 : ttlToMs(policy.blockDuration);
  const failure = policy.failure ?? defaultFailure;
  if (failure !== 'open' && failure !== 'closed') {
    throw new StoreValidationError(`Invalid failure policy ${describe(failure)} in policy "${name}": expected 'open' or 'closed'`);
  }
  if (algorithm === 'sliding-log' && limit > MAX_SLIDING_LOG_LIMIT) {
    throw new StoreValidationError(
      `Rate limit ${limit} in policy "${name}" is too large for 'sliding-log' (at most ${MAX_SLIDING_LOG_LIMIT}): it keeps one entry per request, ` +
        "so one check's time in Redis grows with the limit; use 'sliding-window' for large limits",
    );
  }
  return { name, limit, windowMs, algorithm, blockMs, failure, scope: `${algorithm}:${name}` };
}

/**
 * The largest `limit` of a `sliding-log` policy: it stores one sorted-set member per counted unit,
 * so this bounds both its memory per key and the Redis time of one check (a few ms at most).
 */
export const MAX_SLIDING_LOG_LIMIT = 1_000;

/** Throws unless `cost` is at most the policy's limit (a larger cost could never be admitted). */
export function assertRateLimitCostFits(cost: number, policy: ResolvedRateLimitPolicy): void {
  if (cost > policy.limit) {
    throw new StoreValidationError(`Invalid rate limit cost ${cost} for policy "${policy.name}": must be at most its limit (${policy.limit})`);
  }
}

/** Throws unless `cost` is a non-negative safe integer. */
export function assertRateLimitCost(cost: unknown): asserts cost is number {
  if (typeof cost !== 'number' || !Number.isSafeInteger(cost) || cost < 0) {
    throw new StoreValidationError(`Invalid rate limit cost ${describe(cost)}: must be a non-negative integer`);
  }
}
