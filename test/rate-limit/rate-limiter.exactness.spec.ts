import { clusterNodes, harnessInfo } from '../support/harness-info.js';
import { testKeyPrefix } from '../support/key-prefix.js';
import type { StoreModuleOptions } from '../../lib/index.js';
import type { RateLimitPolicy } from '../../lib/engine/rate-limit/rate-limit.interfaces.js';
import { ALGORITHMS, LimiterFixtures, uniqueKey } from './algorithms.suite.js';

/**
 * 1,000 concurrent consumes against a limit of 100, spread over two app instances (two clients,
 * two in-process refusal memories) on one Redis: each check is one atomic script, so exactly 100 pass.
 * The window is a day, so no window edge (fixed/sliding window) or refill (token bucket, GCRA)
 * falls inside the burst.
 */
describe.each<[string, () => StoreModuleOptions]>([
  ['Redis standalone', () => ({ redis: harnessInfo().standaloneUrl })],
  ['Redis Cluster', () => ({ redis: { cluster: { nodes: clusterNodes() } } })],
])('RateLimiterService exactness under concurrency: %s', (_label, connection) => {
  const fixtures = new LimiterFixtures(connection);
  afterAll(() => fixtures.closeAll());

  it.each(ALGORITHMS)(
    '%s admits exactly 100 of 1,000 concurrent requests from two instances',
    async (algorithm) => {
      const prefix = testKeyPrefix('exact');
      const [a, b] = await Promise.all([
        fixtures.open({ keyPrefix: prefix }),
        fixtures.open({ keyPrefix: prefix }),
      ]);
      const policy: RateLimitPolicy = { limit: 100, window: '1d', algorithm };
      const key = uniqueKey();
      const results = await Promise.all(
        Array.from({ length: 1_000 }, (_, i) => (i % 2 === 0 ? a : b).limiter.consume(key, policy)),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(100);
      expect(
        results
          .filter((r) => r.allowed)
          .map((r) => r.remaining)
          .sort((x, y) => x - y),
      ).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(await a.limiter.peek(key, policy)).toMatchObject({ allowed: false, remaining: 0 });
    },
  );
});
