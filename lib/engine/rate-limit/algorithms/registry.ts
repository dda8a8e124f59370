import { fixedWindow } from './fixed-window.algorithm.js';
import { gcra } from './gcra.algorithm.js';
import type { RateLimitAlgorithmDefinition } from './rate-limit-algorithm.js';
import { slidingLog } from './sliding-log.algorithm.js';
import { slidingWindow } from './sliding-window.algorithm.js';
import { tokenBucket } from './token-bucket.algorithm.js';

/**
 * Every rate-limit algorithm. The public `RateLimitAlgorithm` type, policy validation and the
 * test suites (the driver contract's included) all take the list from here.
 */
export const RATE_LIMIT_ALGORITHMS = [
  fixedWindow,
  slidingWindow,
  slidingLog,
  tokenBucket,
  gcra,
] as const;

/**
 * How requests are counted:
 * - `fixed-window`: a counter per window; cheapest; allows bursts of up to 2x `limit` across a
 *   window edge.
 * - `sliding-window`: two fixed windows weighted by overlap (approximate sliding); smooth, one key
 *   pair.
 * - `sliding-log`: every request's timestamp in a sorted set; exact; memory grows with `limit`.
 * - `token-bucket`: `limit` tokens, refilled continuously over `window`; allows bursts up to
 *   `limit`.
 * - `gcra`: generic cell rate (leaky bucket as a meter): evenly spaced requests, a burst of
 *   `limit`.
 */
export type RateLimitAlgorithm = (typeof RATE_LIMIT_ALGORITHMS)[number]['id'];

/** The algorithm a policy gets when it names none. */
export const DEFAULT_RATE_LIMIT_ALGORITHM: RateLimitAlgorithmDefinition<RateLimitAlgorithm> =
  slidingWindow;

const BY_ID = new Map<unknown, RateLimitAlgorithmDefinition<RateLimitAlgorithm>>(
  RATE_LIMIT_ALGORITHMS.map((algorithm) => [algorithm.id, algorithm]),
);

/** The algorithm named `id`, or `undefined` when there is none. */
export function rateLimitAlgorithmOf(
  id: unknown,
): RateLimitAlgorithmDefinition<RateLimitAlgorithm> | undefined {
  return BY_ID.get(id);
}
