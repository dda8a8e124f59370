import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { RateLimiterService, type StoreModuleOptions } from '../../lib/index.js';
import { StoreInvalidKeyError, StoreInvalidTtlError, StoreValidationError } from '../../lib/errors/store.errors.js';
import type { RateLimitAlgorithm, RateLimitPolicy, RateLimitResult } from '../../lib/rate-limit/rate-limit.interfaces.js';
import type { StoreContext } from '../../lib/store-context.js';
import { STORE_CONTEXT } from '../../lib/store.constants.js';
import { StoreFixtures, sleep, type StoreFixture } from '../contract/store-fixture.js';

export const ALGORITHMS: RateLimitAlgorithm[] = ['fixed-window', 'sliding-window', 'sliding-log', 'token-bucket', 'gcra'];

/** A booted store and the RateLimiterService StoreModule provides with it. */
export interface LimiterFixture extends StoreFixture {
  limiter: RateLimiterService;
  /** The store's shared state, to build more limiters on it (each with its own in-process memory). */
  context: StoreContext;
}

/** The contract's store fixtures (each store under its own prefix unless given one), with their limiter. */
export class LimiterFixtures {
  private readonly stores: StoreFixtures;

  constructor(connection: () => StoreModuleOptions) {
    this.stores = new StoreFixtures(connection);
  }

  async open(overrides: Partial<StoreModuleOptions> = {}): Promise<LimiterFixture> {
    const fixture = await this.stores.open(overrides);
    return { ...fixture, limiter: fixture.app.get(RateLimiterService), context: fixture.app.get<StoreContext>(STORE_CONTEXT) };
  }

  closeAll(): Promise<void> {
    return this.stores.closeAll();
  }
}

/** Waits until just after the start of an epoch-aligned window of `windowMs`. */
export async function windowStart(windowMs: number): Promise<number> {
  await sleep(windowMs - (Date.now() % windowMs) + 2);
  return Date.now() - (Date.now() % windowMs);
}

export const uniqueKey = () => `client-${randomUUID()}`;

async function consumeMany(limiter: RateLimiterService, key: string, policy: RateLimitPolicy, times: number, cost = 1) {
  const results: RateLimitResult[] = [];
  for (let i = 0; i < times; i++) results.push(await limiter.consume(key, policy, cost));
  return results;
}

/** The algorithm suite; each driver's spec calls it with a way to connect. */
export function describeRateLimiterSuite(driverName: string, connection: () => StoreModuleOptions): void {
  describe(`RateLimiterService: ${driverName}`, () => {
    const fixtures = new LimiterFixtures(connection);
    let fixture: LimiterFixture;
    let limiter: RateLimiterService;

    beforeAll(async () => {
      fixture = await fixtures.open();
      limiter = fixture.limiter;
    });
    afterAll(() => fixtures.closeAll());
    afterEach(() => jest.restoreAllMocks());

    describe.each(ALGORITHMS)('%s', (algorithm) => {
      const policy = (overrides: Partial<RateLimitPolicy> = {}): RateLimitPolicy => ({ limit: 5, window: '1d', algorithm, ...overrides });

      it('admits exactly `limit`, counting remaining down, then refuses with a retry time', async () => {
        const key = uniqueKey();
        const before = Date.now();
        const results = await consumeMany(limiter, key, policy(), 6);
        expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false]);
        expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, 0]);
        for (const result of results) {
          expect(result.limit).toBe(5);
          expect(result.resetAt).toBeGreaterThan(before);
          expect(result.resetAt).toBeLessThanOrEqual(Date.now() + 2 * 86_400_000 + 1_000); // sliding-window: two windows
        }
        expect(results.slice(0, 5).every((r) => r.retryAfter === 0)).toBe(true);
        expect(results[5].retryAfter).toBeGreaterThanOrEqual(1);
        expect(results[5].retryAfter).toBeLessThanOrEqual(86_400);
      });

      it('counts a cost greater than 1, and a refused large cost does not stop a smaller one', async () => {
        const key = uniqueKey();
        const p = policy({ limit: 10 });
        expect((await limiter.consume(key, p, 4)).remaining).toBe(6);
        expect((await limiter.consume(key, p, 4)).remaining).toBe(2);
        expect((await limiter.consume(key, p, 4)).allowed).toBe(false);
        expect(await limiter.consume(key, p, 2)).toMatchObject({ allowed: true, remaining: 0 });
        expect((await limiter.consume(key, p, 1)).allowed).toBe(false);
      });

      it('refuses a cost above the limit without counting it', async () => {
        const key = uniqueKey();
        expect((await limiter.consume(key, policy(), 6)).allowed).toBe(false);
        expect(await limiter.consume(key, policy())).toMatchObject({ allowed: true, remaining: 4 });
      });

      it('peek reports without consuming', async () => {
        const key = uniqueKey();
        for (let i = 0; i < 3; i++) expect(await limiter.peek(key, policy())).toMatchObject({ allowed: true, remaining: 5, retryAfter: 0 });
        await consumeMany(limiter, key, policy(), 2);
        expect(await limiter.peek(key, policy())).toMatchObject({ allowed: true, remaining: 3 });
        expect((await consumeMany(limiter, key, policy(), 3)).every((r) => r.allowed)).toBe(true);
        expect(await limiter.peek(key, policy())).toMatchObject({ allowed: false, remaining: 0 });
      });

      it('reset forgets the count (and the in-process refusal)', async () => {
        const key = uniqueKey();
        await consumeMany(limiter, key, policy(), 6);
        expect((await limiter.consume(key, policy())).allowed).toBe(false);
        await limiter.reset(key, policy());
        expect(await limiter.consume(key, policy())).toMatchObject({ allowed: true, remaining: 4 });
      });

      it('counts different keys and different policy names independently', async () => {
        const key = uniqueKey();
        await consumeMany(limiter, key, policy({ name: 'a' }), 5);
        expect((await limiter.consume(key, policy({ name: 'a' }))).allowed).toBe(false);
        expect(await limiter.consume(key, policy({ name: 'b' }))).toMatchObject({ allowed: true, remaining: 4 });
        expect(await limiter.consume(`${key}-2`, policy({ name: 'a' }))).toMatchObject({ allowed: true, remaining: 4 });
        expect(await limiter.consume(key, policy())).toMatchObject({ allowed: true, remaining: 4 });
      });

      it('checks made at once get the answers one-by-one checks would: in call order, exact', async () => {
        const key = uniqueKey();
        const other = uniqueKey();
        const results = await Promise.all([
          ...Array.from({ length: 7 }, () => limiter.consume(key, policy())),
          limiter.consume(other, policy(), 2),
          limiter.peek(key, policy()),
        ]);
        expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false, false, true, false]);
        expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0, 3, 0]);
      });

      it('answers a refused key from memory until it may pass, without store round trips', async () => {
        const key = uniqueKey();
        await consumeMany(limiter, key, policy(), 6);
        const calls = jest.spyOn(fixture.driver, 'rateLimit');
        const flood = await Promise.all(Array.from({ length: 200 }, () => limiter.consume(key, policy())));
        expect(flood.every((r) => !r.allowed && r.retryAfter >= 1)).toBe(true);
        expect(calls).not.toHaveBeenCalled();
      });

      it('rejects bad input with typed errors and sends nothing to the store', async () => {
        const calls = jest.spyOn(fixture.driver, 'rateLimit');
        const deletes = jest.spyOn(fixture.driver, 'delete');
        const key = uniqueKey();
        const bad: Array<[string, () => Promise<unknown>, new (...args: never[]) => Error]> = [
          ['empty key', () => limiter.consume('', policy()), StoreInvalidKeyError],
          ['non-string key', () => limiter.consume(5 as unknown as string, policy()), StoreInvalidKeyError],
          ['limit 0', () => limiter.consume(key, policy({ limit: 0 })), StoreValidationError],
          ['negative limit', () => limiter.consume(key, policy({ limit: -1 })), StoreValidationError],
          ['fractional limit', () => limiter.consume(key, policy({ limit: 1.5 })), StoreValidationError],
          ['string limit', () => limiter.consume(key, policy({ limit: '5' as unknown as number })), StoreValidationError],
          ['window 0', () => limiter.consume(key, policy({ window: 0 })), StoreInvalidTtlError],
          ['window garbage', () => limiter.consume(key, policy({ window: 'soon' as never })), StoreInvalidTtlError],
          ['huge limit × window', () => limiter.consume(key, policy({ limit: 1e9, window: '365d' })), StoreValidationError],
          ['unknown algorithm', () => limiter.consume(key, policy({ algorithm: 'leaky' as never })), StoreValidationError],
          ['empty name', () => limiter.consume(key, policy({ name: '' })), StoreValidationError],
          ['bad blockDuration', () => limiter.consume(key, policy({ blockDuration: -1 })), StoreInvalidTtlError],
          ['bad failure', () => limiter.consume(key, policy({ failure: 'maybe' as never })), StoreValidationError],
          ['negative cost', () => limiter.consume(key, policy(), -1), StoreValidationError],
          ['fractional cost', () => limiter.consume(key, policy(), 0.5), StoreValidationError],
          ['NaN cost', () => limiter.consume(key, policy(), Number.NaN), StoreValidationError],
          ['null policy', () => limiter.consume(key, null as unknown as RateLimitPolicy), StoreValidationError],
          ['peek with empty key', () => limiter.peek('', policy()), StoreInvalidKeyError],
          ['reset with empty key', () => limiter.reset('', policy()), StoreInvalidKeyError],
          ['reset with bad policy', () => limiter.reset(key, policy({ limit: 0 })), StoreValidationError],
        ];
        for (const [label, call, type] of bad) {
          const error = await call().then(
            () => new Error(`${label}: expected a rejection`),
            (e: unknown) => e,
          );
          expect([label, error]).toEqual([label, expect.any(type)]);
        }
        expect(calls).not.toHaveBeenCalled();
        expect(deletes).not.toHaveBeenCalled();
        jest.restoreAllMocks();
        expect(await limiter.peek(key, policy())).toMatchObject({ allowed: true, remaining: 5 });
      });
    });

    it('blockDuration: once refused, every algorithm refuses the key for the block, even after its window frees up', async () => {
      const fresh = () => new RateLimiterService(fixture.context); // no in-process memory: asks the store
      await windowStart(200);
      const started = Date.now();
      await Promise.all(
        ALGORITHMS.map(async (algorithm) => {
          const key = uniqueKey();
          const p: RateLimitPolicy = { limit: 2, window: '200ms', algorithm, blockDuration: '700ms' };
          const results = await consumeMany(limiter, key, p, 3);
          expect([algorithm, results.map((r) => r.allowed)]).toEqual([algorithm, [true, true, false]]);
          expect(results[2].retryAfter).toBe(1);
          expect(results[2].resetAt).toBeGreaterThanOrEqual(started + 600);
          // Every algorithm is back to full within two 200 ms windows; the block still refuses.
          await sleep(started + 450 - Date.now());
          expect(await fresh().peek(key, p)).toMatchObject({ allowed: false, remaining: 0, retryAfter: 1 });
          expect((await fresh().consume(key, p)).allowed).toBe(false);
          expect((await limiter.consume(key, p)).allowed).toBe(false);
          await sleep(started + 800 - Date.now());
          expect([algorithm, await limiter.consume(key, p)]).toEqual([algorithm, expect.objectContaining({ allowed: true, remaining: 1 })]);
        }),
      );
    });

    describe('window roll-over and refill', () => {
      it('fixed-window: a new epoch-aligned window admits `limit` again', async () => {
        const key = uniqueKey();
        const p: RateLimitPolicy = { limit: 3, window: '300ms', algorithm: 'fixed-window' };
        const start = await windowStart(300);
        const results = await consumeMany(limiter, key, p, 4);
        expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
        expect(results[3].resetAt).toBe(start + 300);
        expect(results[0].resetAt).toBe(start + 300);
        await sleep(start + 320 - Date.now());
        expect(await limiter.consume(key, p)).toMatchObject({ allowed: true, remaining: 2, resetAt: start + 600 });
      });

      it('sliding-window: the previous window counts by its overlap, then not at all', async () => {
        const key = uniqueKey();
        const p: RateLimitPolicy = { limit: 10, window: '400ms', algorithm: 'sliding-window' };
        const start = await windowStart(400);
        expect((await consumeMany(limiter, key, p, 11)).map((r) => r.allowed)).toEqual([...Array(10).fill(true), false]);
        // Halfway into the next window about half of the previous window still counts.
        await sleep(start + 600 - Date.now());
        const half = await limiter.peek(key, p);
        expect(half.allowed).toBe(true);
        expect(half.remaining).toBeGreaterThanOrEqual(4);
        expect(half.remaining).toBeLessThanOrEqual(6);
        await sleep(start + 820 - Date.now());
        expect(await limiter.peek(key, p)).toMatchObject({ allowed: true, remaining: 10 });
      });

      it('sliding-log: each request stops counting exactly one window after it was made', async () => {
        const key = uniqueKey();
        const p: RateLimitPolicy = { limit: 5, window: '400ms', algorithm: 'sliding-log' };
        const t0 = Date.now();
        await consumeMany(limiter, key, p, 3);
        await sleep(150);
        const t1 = Date.now();
        await consumeMany(limiter, key, p, 2);
        const refused = await limiter.consume(key, p);
        expect(refused.allowed).toBe(false);
        expect(refused.resetAt).toBeGreaterThanOrEqual(t1 + 400);
        await sleep(t0 + 440 - Date.now());
        expect(await limiter.peek(key, p)).toMatchObject({ allowed: true, remaining: 3 });
        await sleep(t1 + 440 - Date.now());
        expect(await limiter.peek(key, p)).toMatchObject({ allowed: true, remaining: 5 });
      });

      it('token-bucket: refills continuously at limit per window', async () => {
        const key = uniqueKey();
        const p: RateLimitPolicy = { limit: 10, window: 1, algorithm: 'token-bucket' }; // one token per 100 ms
        const drained = await consumeMany(limiter, key, p, 11);
        expect(drained.map((r) => r.allowed)).toEqual([...Array(10).fill(true), false]);
        expect(drained[10].retryAfter).toBe(1);
        const t0 = Date.now();
        await sleep(350);
        const later = await limiter.peek(key, p);
        const elapsed = Date.now() - t0;
        expect(later.allowed).toBe(true);
        expect(later.remaining).toBeGreaterThanOrEqual(3);
        expect(later.remaining).toBeLessThanOrEqual(Math.floor((elapsed + 20) / 100));
        // Full again one window after the bucket was emptied.
        expect(later.resetAt).toBeGreaterThan(Date.now());
        expect(later.resetAt).toBeLessThanOrEqual(t0 + 1_000 + 20);
      });

      it('gcra: after a burst of `limit`, one request per emission interval (window / limit)', async () => {
        const key = uniqueKey();
        const p: RateLimitPolicy = { limit: 5, window: '500ms', algorithm: 'gcra' }; // 100 ms apart
        expect((await consumeMany(limiter, key, p, 6)).map((r) => r.allowed)).toEqual([true, true, true, true, true, false]);
        for (let i = 0; i < 3; i++) {
          await sleep(115);
          expect((await consumeMany(limiter, key, p, 2)).map((r) => r.allowed)).toEqual([true, false]);
        }
      });
    });
  });
}
