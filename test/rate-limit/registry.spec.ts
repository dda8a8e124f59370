import { StoreValidationError } from '../../lib/index.js';
import {
  DEFAULT_RATE_LIMIT_ALGORITHM,
  RATE_LIMIT_ALGORITHMS,
  rateLimitAlgorithmOf,
} from '../../lib/engine/rate-limit/algorithms/registry.js';
import { resolveRateLimitPolicy } from '../../lib/engine/rate-limit/rate-limit-policy.js';

/*
 * What every registered algorithm must hold to for the registry to stay sound: its own id and key
 * suffix, and a suffix that can never meet the block key or close the hash tag. What it counts is
 * the algorithm suites' (algorithms.suite.ts, the driver contract), which take the list from here.
 */
describe('rate-limit algorithm registry', () => {
  it('gives every algorithm its own id and its own key suffix', () => {
    const ids = RATE_LIMIT_ALGORITHMS.map((algorithm) => algorithm.id);
    const suffixes = RATE_LIMIT_ALGORITHMS.map((algorithm) => algorithm.suffix);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(suffixes).size).toBe(suffixes.length);
  });

  it.each(RATE_LIMIT_ALGORITHMS.map((algorithm) => [algorithm.id, algorithm] as const))(
    '%s: a suffix apart from the block key, Lua and an in-process twin',
    (_id, algorithm) => {
      expect(algorithm.suffix).toMatch(/^[a-z0-9]+$/);
      expect(algorithm.suffix).not.toBe('b');
      expect(algorithm.lua.trim().length).toBeGreaterThan(0);
      expect(typeof algorithm.memory).toBe('function');
    },
  );

  it('finds algorithms by id; the default is sliding-window', () => {
    for (const algorithm of RATE_LIMIT_ALGORITHMS)
      expect(rateLimitAlgorithmOf(algorithm.id)).toBe(algorithm);
    expect(rateLimitAlgorithmOf('leaky')).toBeUndefined();
    expect(rateLimitAlgorithmOf(undefined)).toBeUndefined();
    expect(DEFAULT_RATE_LIMIT_ALGORITHM.id).toBe('sliding-window');
  });

  it("validates a policy's algorithm against the registry, and the algorithm's own limit bound", () => {
    const context = { defaultFailure: 'open' as const, maxNameLength: 100 };
    for (const algorithm of RATE_LIMIT_ALGORITHMS) {
      expect(
        resolveRateLimitPolicy({ limit: 5, window: 1, algorithm: algorithm.id }, context).algorithm,
      ).toBe(algorithm);
    }
    expect(() =>
      resolveRateLimitPolicy({ limit: 5, window: 1, algorithm: 'leaky' as never }, context),
    ).toThrow(
      new StoreValidationError(
        `Invalid rate limit policy "default" algorithm "leaky": expected ${RATE_LIMIT_ALGORITHMS.map((a) => a.id).join(', ')}`,
      ),
    );
    expect(() =>
      resolveRateLimitPolicy({ limit: 1_001, window: 1, algorithm: 'sliding-log' }, context),
    ).toThrow(/limit 1001: expected at most 1000 for 'sliding-log'/);
  });
});
