/** Metadata key under which `@RateLimit` stores its policies on a handler or controller. */
export const RATE_LIMIT_METADATA = 'nestjs-store:rate-limit';

/**
 * Metadata key under which `@SkipRateLimit` stores `true` (skip all) or the names of the policies
 * to skip.
 */
export const SKIP_RATE_LIMIT_METADATA = 'nestjs-store:skip-rate-limit';

/**
 * Injection token of the module-level rate-limit options (`StoreRateLimitOptions`).
 * When nothing is provided under it, the defaults apply (no default policies, legacy headers, key
 * by IP).
 */
export const STORE_RATE_LIMIT_OPTIONS = Symbol('STORE_RATE_LIMIT_OPTIONS');

export { DEFAULT_POLICY_NAME } from '../../engine/rate-limit/rate-limit-policy.js';
