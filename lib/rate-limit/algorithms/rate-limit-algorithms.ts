import type { RateLimitAlgorithm } from '../rate-limit.interfaces.js';

/** Every algorithm, with the short suffix its state key carries (`…:fw`, `…:sw`, …). */
export const RATE_LIMIT_ALGORITHMS: Readonly<Record<RateLimitAlgorithm, string>> = {
  'fixed-window': 'fw',
  'sliding-window': 'sw',
  'sliding-log': 'sl',
  'token-bucket': 'tb',
  gcra: 'gc',
};

/** The algorithm a policy gets when it names none. */
export const DEFAULT_RATE_LIMIT_ALGORITHM: RateLimitAlgorithm = 'sliding-window';

/** The policy name when a policy has none. */
export const DEFAULT_RATE_LIMIT_NAME = 'default';

export function isRateLimitAlgorithm(value: unknown): value is RateLimitAlgorithm {
  return typeof value === 'string' && Object.hasOwn(RATE_LIMIT_ALGORITHMS, value);
}
