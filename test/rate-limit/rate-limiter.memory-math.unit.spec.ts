import { MemoryKeyspace } from '../../lib/drivers/memory/memory-keyspace.js';
import { memoryRateLimit } from '../../lib/drivers/memory/memory-rate-limit.js';
import {
  RATE_LIMIT_ALGORITHMS,
  rateLimitAlgorithmOf,
  type RateLimitAlgorithm,
} from '../../lib/engine/rate-limit/algorithms/registry.js';

/** Limit 3 per 1,000 ms: the first instant after three consumes at which each algorithm admits again. */
const FIRST_ADMITTING_MS: Record<RateLimitAlgorithm, number> = {
  'fixed-window': 1_000, // next window
  'sliding-window': 1_001, // next window, once floor(3 * (1000 - e) / 1000) drops to 2
  'sliding-log': 1_000, // the first entry leaves the window
  'token-bucket': 334, // one token = 1000/3 ms
  gcra: 334, // emission interval 1000/3 ms
};

/**
 * The algorithms' arithmetic at exact instants (the memory driver takes the clock as an argument;
 * the Lua scripts run the same integer steps on Redis TIME). `retryAfterMs` is exact: refused one
 * ms before it, admitted at it.
 */
describe('rate-limit arithmetic (memory driver, explicit clock)', () => {
  const T = 1_000_000_000; // aligned to 1,000 ms windows, in the past so stored TTLs never cut in
  const check = (
    keyspace: MemoryKeyspace,
    algorithm: RateLimitAlgorithm,
    now: number,
    limit: number,
    cost = 1,
    blockMs = 0,
  ) =>
    memoryRateLimit(
      keyspace,
      rateLimitAlgorithmOf(algorithm)!,
      { state: 's', block: 'b' },
      { limit, windowMs: 1_000, cost, blockMs },
      now,
    );

  it.each(RATE_LIMIT_ALGORITHMS.map(({ id }) => [id, FIRST_ADMITTING_MS[id]] as const))(
    '%s: limit 3, retryAfterMs is the first instant that admits',
    (algorithm, retryAfterMs) => {
      const keyspace = new MemoryKeyspace(100);
      for (let i = 0; i < 3; i++) expect(check(keyspace, algorithm, T, 3).allowed).toBe(true);
      const refused = check(keyspace, algorithm, T, 3);
      expect(refused).toEqual({
        allowed: false,
        remaining: 0,
        resetAfterMs: expect.any(Number),
        retryAfterMs,
        serverNowMs: T,
      });
      expect(check(keyspace, algorithm, T + retryAfterMs - 1, 3, 0).allowed).toBe(false);
      expect(check(keyspace, algorithm, T + retryAfterMs, 3, 0).allowed).toBe(true);
    },
  );

  it('sliding-window weighs the previous window by its remaining overlap', () => {
    const keyspace = new MemoryKeyspace(100);
    check(keyspace, 'sliding-window', T + 500, 10, 8);
    // 250 ms into the next window: floor(8 * 750 / 1000) = 6 still count.
    expect(check(keyspace, 'sliding-window', T + 1_250, 10, 0)).toMatchObject({
      allowed: true,
      remaining: 4,
      resetAfterMs: 750,
    });
    // Needing 5 there: wait until floor(8 * (1000 - e) / 1000) <= 5, i.e. e = 251.
    expect(check(keyspace, 'sliding-window', T + 1_250, 10, 5).retryAfterMs).toBe(1);
    expect(check(keyspace, 'sliding-window', T + 1_251, 10, 5)).toMatchObject({
      allowed: true,
      remaining: 0,
    });
    // Needing all 10 (nothing yet in this window): wait until floor(8 * (1000 - e) / 1000) = 0, i.e. e = 876.
    const other = new MemoryKeyspace(100);
    check(other, 'sliding-window', T + 500, 10, 8);
    expect(check(other, 'sliding-window', T + 1_300, 10, 10).retryAfterMs).toBe(576);
    expect(check(other, 'sliding-window', T + 1_876, 10, 10).allowed).toBe(true);
  });

  it('gcra keeps the fractional arrival time exact (no drift over many intervals)', () => {
    const keyspace = new MemoryKeyspace(100);
    // limit 3 per 1000 ms: after the burst, one request every 333.33 ms; 300 of them take exactly 100 s.
    for (let i = 0; i < 3; i++) check(keyspace, 'gcra', T, 3);
    let admitted = 0;
    for (let t = T + 1; t <= T + 100_000; t++)
      if (check(keyspace, 'gcra', t, 3).allowed) admitted++;
    expect(admitted).toBe(300);
  });

  it('a refused consume with blockMs reports the block as retry and reset time', () => {
    const keyspace = new MemoryKeyspace(100);
    check(keyspace, 'token-bucket', T, 1);
    expect(check(keyspace, 'token-bucket', T, 1, 1, 5_000)).toMatchObject({
      allowed: false,
      retryAfterMs: 5_000,
      resetAfterMs: 5_000,
    });
  });
});
