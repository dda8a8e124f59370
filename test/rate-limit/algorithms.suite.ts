import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { RateLimiterService, type StoreModuleOptions } from '../../lib/index.js';
import {
  StoreInvalidKeyError,
  StoreInvalidTtlError,
  StoreValidationError,
} from '../../lib/errors/store.errors.js';
import {
  RATE_LIMIT_ALGORITHMS,
  type RateLimitAlgorithm,
} from '../../lib/engine/rate-limit/algorithms/registry.js';
import type {
  RateLimitPolicy,
  RateLimitResult,
} from '../../lib/engine/rate-limit/rate-limit.interfaces.js';
import type { StoreContext } from '../../lib/engine/store-context.js';
import { STORE_CONTEXT } from '../../lib/nest/store.constants.js';
import { scanKeys } from '../contract/foreign-client.js';
import { StoreFixtures, type StoreFixture } from '../contract/store-fixture.js';
import { sleepUntil, timed, type Timed } from '../support/timing.js';

/** Every registered algorithm: a new one is tested by these suites as soon as it is registered. */
export const ALGORITHMS: RateLimitAlgorithm[] = RATE_LIMIT_ALGORITHMS.map(
  (algorithm) => algorithm.id,
);

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
    return {
      ...fixture,
      limiter: fixture.app.get(RateLimiterService),
      context: fixture.app.get<StoreContext>(STORE_CONTEXT),
    };
  }

  closeAll(): Promise<void> {
    return this.stores.closeAll();
  }
}

/*
 * The window, refill and block tests below let real time pass: the Redis scripts run on the Redis
 * server's clock (TIME), which cannot be faked. They never assume how long a sleep or a call took.
 * Each call is timed (test/support/timing.ts): the server ran it at some time within [before,
 * after] (same machine, same clock), and what is asserted is what the algorithm guarantees for
 * any server time in that range. When the machine is fast that is the exact answer.
 *
 * A refused check is also remembered in process (RateLimiterService) for its retryAfterMs from the
 * moment the reply arrived, so a later check through the same limiter waits for that as well.
 */

/** The start of the epoch-aligned window of `windowMs` that `time` falls in. */
export const windowOf = (time: number, windowMs: number): number => time - (time % windowMs);

/**
 * Sleeps until the next epoch-aligned window of `windowMs` starts (by this clock), and returns its
 * start. Only makes it likely that what follows fits in one window: the tests check that it did.
 */
export async function nextWindowStart(windowMs: number): Promise<number> {
  const start = windowOf(Date.now(), windowMs) + windowMs;
  await sleepUntil(start);
  return start;
}

export const uniqueKey = () => `client-${randomUUID()}`;

async function consumeMany(
  limiter: RateLimiterService,
  key: string,
  policy: RateLimitPolicy,
  times: number,
  cost = 1,
) {
  const results: RateLimitResult[] = [];
  for (let i = 0; i < times; i++) results.push(await limiter.consume(key, policy, cost));
  return results;
}

/** Like consumeMany, each result with the times around its call. */
async function consumeManyTimed(
  limiter: RateLimiterService,
  key: string,
  policy: RateLimitPolicy,
  times: number,
) {
  const results: Array<Timed<RateLimitResult>> = [];
  for (let i = 0; i < times; i++) results.push(await timed(() => limiter.consume(key, policy)));
  return results;
}

/**
 * Consumes one unit at a time, back to back, until one is refused (on a slow machine a window may
 * free up meanwhile, and then more pass); each result with the times around its call.
 */
async function consumeUntilRefused(
  limiter: RateLimiterService,
  key: string,
  policy: RateLimitPolicy,
  maxCalls = 100,
) {
  const results: Array<Timed<RateLimitResult>> = [];
  while (results.length < maxCalls) {
    const result = await timed(() => limiter.consume(key, policy));
    results.push(result);
    if (!result.value.allowed) return results;
  }
  throw new Error(
    `${maxCalls} back-to-back consumes under ${JSON.stringify(policy)} were all allowed`,
  );
}

/**
 * Runs `scenario` until it reports that the machine kept up with it (true), at most `tries` times:
 * for scenarios that can only check their point when some steps happen close enough together.
 */
async function untilTimely(
  what: string,
  scenario: (attempt: number) => Promise<boolean>,
  tries = 5,
): Promise<void> {
  for (let attempt = 1; attempt <= tries; attempt++) if (await scenario(attempt)) return;
  throw new Error(
    `${what}: in ${tries} tries the machine never kept up with the scenario's timing`,
  );
}

/** The algorithm suite; each driver's spec calls it with a way to connect. */
export function describeRateLimiterSuite(
  driverName: string,
  connection: () => StoreModuleOptions,
): void {
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

    describe.each(RATE_LIMIT_ALGORITHMS.map((definition) => [definition.id, definition] as const))(
      '%s',
      (algorithm, definition) => {
        const policy = (overrides: Partial<RateLimitPolicy> = {}): RateLimitPolicy => ({
          limit: 5,
          window: '1d',
          algorithm,
          ...overrides,
        });

        it('keeps its state at rl:{<name>:<key>}:<suffix>, of its Redis type (the layout the README documents)', async () => {
          const key = uniqueKey();
          await limiter.consume(key, policy({ name: 'layout' }));
          const stateKey = `${fixture.prefix}__nestjs_store__:rl:{layout:${key}}:${definition.suffix}`;
          expect(await fixture.driver.pttl(stateKey)).toBeGreaterThan(0);
          if (fixture.driver.client)
            expect(await fixture.driver.client.type(stateKey)).toBe(definition.stateType);
        });

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

        it('rejects a cost above the limit (it could never be admitted) without counting it', async () => {
          const key = uniqueKey();
          await expect(limiter.consume(key, policy(), 6)).rejects.toBeInstanceOf(
            StoreValidationError,
          );
          expect(await limiter.consume(key, policy(), 5)).toMatchObject({
            allowed: true,
            remaining: 0,
          });
        });

        it('counts a caller key of any length (a 5,000-character API key) under its hash, never failing', async () => {
          const long = `${uniqueKey()}:${'k'.repeat(5_000)}`;
          expect((await consumeMany(limiter, long, policy(), 6)).map((r) => r.allowed)).toEqual([
            true,
            true,
            true,
            true,
            true,
            false,
          ]);
          expect((await limiter.peek(`${long}x`, policy())).remaining).toBe(5);
          await limiter.reset(long, policy());
          expect((await limiter.peek(long, policy())).remaining).toBe(5);
          if (fixture.driver.kind === 'redis') {
            await limiter.consume(long, policy());
            const keys = await scanKeys(fixture.store.client, `${fixture.prefix}*`);
            expect(keys.length).toBeGreaterThan(0);
            for (const redisKey of keys) expect(redisKey.length).toBeLessThan(400);
          }
        });

        it('peek reports without consuming', async () => {
          const key = uniqueKey();
          for (let i = 0; i < 3; i++)
            expect(await limiter.peek(key, policy())).toMatchObject({
              allowed: true,
              remaining: 5,
              retryAfter: 0,
            });
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
          expect(await limiter.consume(key, policy())).toMatchObject({
            allowed: true,
            remaining: 4,
          });
        });

        it('counts different keys and different policy names independently', async () => {
          const key = uniqueKey();
          await consumeMany(limiter, key, policy({ name: 'a' }), 5);
          expect((await limiter.consume(key, policy({ name: 'a' }))).allowed).toBe(false);
          expect(await limiter.consume(key, policy({ name: 'b' }))).toMatchObject({
            allowed: true,
            remaining: 4,
          });
          expect(await limiter.consume(`${key}-2`, policy({ name: 'a' }))).toMatchObject({
            allowed: true,
            remaining: 4,
          });
          expect(await limiter.consume(key, policy())).toMatchObject({
            allowed: true,
            remaining: 4,
          });
        });

        it('checks made at once get the answers one-by-one checks would: in call order, exact', async () => {
          const key = uniqueKey();
          const other = uniqueKey();
          const results = await Promise.all([
            ...Array.from({ length: 7 }, () => limiter.consume(key, policy())),
            limiter.consume(other, policy(), 2),
            limiter.peek(key, policy()),
          ]);
          expect(results.map((r) => r.allowed)).toEqual([
            true,
            true,
            true,
            true,
            true,
            false,
            false,
            true,
            false,
          ]);
          expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0, 3, 0]);
        });

        it('answers a refused key from memory until it may pass, without store round trips', async () => {
          const key = uniqueKey();
          await consumeMany(limiter, key, policy(), 6);
          const calls = jest.spyOn(fixture.driver, 'rateLimit');
          const flood = await Promise.all(
            Array.from({ length: 200 }, () => limiter.consume(key, policy())),
          );
          expect(flood.every((r) => !r.allowed && r.retryAfter >= 1)).toBe(true);
          expect(calls).not.toHaveBeenCalled();
        });

        it('rejects bad input with typed errors and sends nothing to the store', async () => {
          const calls = jest.spyOn(fixture.driver, 'rateLimit');
          const deletes = jest.spyOn(fixture.driver, 'delete');
          const key = uniqueKey();
          const bad: Array<[string, () => Promise<unknown>, new (...args: never[]) => Error]> = [
            ['empty key', () => limiter.consume('', policy()), StoreInvalidKeyError],
            [
              'non-string key',
              () => limiter.consume(5 as unknown as string, policy()),
              StoreInvalidKeyError,
            ],
            ['limit 0', () => limiter.consume(key, policy({ limit: 0 })), StoreValidationError],
            [
              'negative limit',
              () => limiter.consume(key, policy({ limit: -1 })),
              StoreValidationError,
            ],
            [
              'fractional limit',
              () => limiter.consume(key, policy({ limit: 1.5 })),
              StoreValidationError,
            ],
            [
              'string limit',
              () => limiter.consume(key, policy({ limit: '5' as unknown as number })),
              StoreValidationError,
            ],
            ['window 0', () => limiter.consume(key, policy({ window: 0 })), StoreInvalidTtlError],
            [
              'window garbage',
              () => limiter.consume(key, policy({ window: 'soon' as never })),
              StoreInvalidTtlError,
            ],
            [
              'huge limit × window',
              () => limiter.consume(key, policy({ limit: 1e9, window: '365d' })),
              StoreValidationError,
            ],
            [
              'unknown algorithm',
              () => limiter.consume(key, policy({ algorithm: 'leaky' as never })),
              StoreValidationError,
            ],
            ['empty name', () => limiter.consume(key, policy({ name: '' })), StoreValidationError],
            [
              'bad blockDuration',
              () => limiter.consume(key, policy({ blockDuration: -1 })),
              StoreInvalidTtlError,
            ],
            [
              'bad failure',
              () => limiter.consume(key, policy({ failure: 'maybe' as never })),
              StoreValidationError,
            ],
            ['negative cost', () => limiter.consume(key, policy(), -1), StoreValidationError],
            ['fractional cost', () => limiter.consume(key, policy(), 0.5), StoreValidationError],
            ['NaN cost', () => limiter.consume(key, policy(), Number.NaN), StoreValidationError],
            ['cost above the limit', () => limiter.consume(key, policy(), 6), StoreValidationError],
            [
              'lone surrogate key',
              () => limiter.consume('a\uD800', policy()),
              StoreInvalidKeyError,
            ],
            ...(algorithm === 'sliding-log'
              ? [
                  [
                    'sliding-log limit over 1,000',
                    () => limiter.consume(key, policy({ limit: 1_001 })),
                    StoreValidationError,
                  ] as [string, () => Promise<unknown>, typeof StoreValidationError],
                ]
              : []),
            [
              'null policy',
              () => limiter.consume(key, null as unknown as RateLimitPolicy),
              StoreValidationError,
            ],
            ['peek with empty key', () => limiter.peek('', policy()), StoreInvalidKeyError],
            ['reset with empty key', () => limiter.reset('', policy()), StoreInvalidKeyError],
            [
              'reset with bad policy',
              () => limiter.reset(key, policy({ limit: 0 })),
              StoreValidationError,
            ],
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
      },
    );

    it('blockDuration: once refused, every algorithm refuses the key for the block, even after its window frees up', async () => {
      const fresh = () => new RateLimiterService(fixture.context); // no in-process memory: asks the store
      await Promise.all(
        ALGORITHMS.map((algorithm) =>
          untilTimely(`blockDuration (${algorithm})`, async () => {
            const key = uniqueKey();
            const p: RateLimitPolicy = {
              limit: 2,
              window: '200ms',
              algorithm,
              blockDuration: '700ms',
            };
            const results = await consumeUntilRefused(limiter, key, p);
            const refused = results[results.length - 1];
            // From empty, `limit` pass whatever the timing.
            expect([algorithm, results.slice(0, 2).map((r) => r.value.allowed)]).toEqual([
              algorithm,
              [true, true],
            ]);
            expect(refused.value.retryAfter).toBe(1);
            // Refused at a server time s within [before, after]: blocked until s + 700 ms, which
            // outlasts every algorithm's own reset (two 200 ms windows at most).
            expect(refused.value.resetAt).toBeGreaterThanOrEqual(refused.before + 700);
            expect(refused.value.resetAt).toBeLessThanOrEqual(refused.after + 700);

            // Two windows after the refusal every algorithm would admit again; the block still refuses.
            await sleepUntil(refused.after + 400);
            for (const check of [
              () => fresh().peek(key, p),
              () => fresh().consume(key, p),
              () => limiter.consume(key, p),
            ]) {
              const during = await timed(check);
              // The block certainly lasts until refused.before + 700. Past that, a consume may have
              // counted: start over on another key.
              if (during.after >= refused.before + 700) return false;
              expect([algorithm, during.value]).toEqual([
                algorithm,
                expect.objectContaining({ allowed: false, remaining: 0, retryAfter: 1 }),
              ]);
            }

            // The block (and the limiter's memory of the refusal) ends by refused.after + 700; the
            // key then starts afresh.
            await sleepUntil(refused.after + 700 + 1);
            expect([algorithm, await limiter.consume(key, p)]).toEqual([
              algorithm,
              expect.objectContaining({ allowed: true, remaining: 1 }),
            ]);
            return true;
          }),
        ),
      );
    });

    describe('window roll-over and refill', () => {
      it('fixed-window: a new epoch-aligned window admits `limit` again', async () => {
        const p: RateLimitPolicy = { limit: 3, window: '300ms', algorithm: 'fixed-window' };
        await untilTimely('fixed-window', async () => {
          const key = uniqueKey();
          await nextWindowStart(300);
          const burst = await consumeManyTimed(limiter, key, p, 4);
          // Every answer's resetAt is the end of the window it counted in, the one its server time
          // fell in; a request passes while fewer than `limit` passed before it in that window.
          const windows = burst.map((r) => r.value.resetAt - 300);
          burst.forEach((r, i) => {
            expect(windows[i] % 300).toBe(0);
            expect(windows[i]).toBeGreaterThanOrEqual(windowOf(r.before, 300));
            expect(windows[i]).toBeLessThanOrEqual(windowOf(r.after, 300));
            const passedBefore = burst
              .slice(0, i)
              .filter((q, j) => q.value.allowed && windows[j] === windows[i]).length;
            expect([i, r.value.allowed]).toEqual([i, passedBefore < 3]);
          });
          // The machine was too slow to fit the burst in one window: try again.
          if (windows[0] !== windows[3]) return false;
          expect(burst.map((r) => r.value.allowed)).toEqual([true, true, true, false]);

          // The limiter remembers the refusal until the window's end plus the time its reply took.
          const start = windows[0];
          const refused = burst[3];
          await sleepUntil(start + 300 + (refused.after - refused.before) + 1);
          const next = await timed(() => limiter.consume(key, p));
          expect(next.value).toMatchObject({ allowed: true, remaining: 2 });
          expect(next.value.resetAt - 300).toBeGreaterThanOrEqual(
            Math.max(start + 300, windowOf(next.before, 300)),
          );
          expect(next.value.resetAt - 300).toBeLessThanOrEqual(windowOf(next.after, 300));
          return true;
        });
      });

      it('sliding-window: the previous window counts by its overlap, then not at all', async () => {
        const p: RateLimitPolicy = { limit: 10, window: '400ms', algorithm: 'sliding-window' };
        await untilTimely('sliding-window', async () => {
          const key = uniqueKey();
          await nextWindowStart(400);
          const burst = await consumeManyTimed(limiter, key, p, 11);
          const start = windowOf(burst[0].before, 400);
          // The machine was too slow to fit the burst in one window: try again.
          if (windowOf(burst[10].after, 400) !== start) return false;
          expect(burst.map((r) => r.value.allowed)).toEqual([...Array(10).fill(true), false]);

          // In the next window the previous one's 10 count by their overlap with the sliding window:
          // floor(10 * (start + 800 - t) / 400) at server time t.
          const remainingAt = (t: number) =>
            t >= start + 800 ? 10 : 10 - Math.floor((10 * (start + 800 - t)) / 400);
          // Halfway into the next window (and past the limiter's memory of the refusal, which lasts
          // until the next window starts, 1 ms later, plus the time the reply took).
          const refused = burst[10];
          await sleepUntil(
            Math.max(start + 600, start + 401 + (refused.after - refused.before) + 1),
          );
          const half = await timed(() => limiter.peek(key, p));
          expect(half.value.allowed).toBe(true);
          expect(half.value.remaining).toBeGreaterThanOrEqual(remainingAt(half.before));
          expect(half.value.remaining).toBeLessThanOrEqual(remainingAt(half.after));

          // Two windows on, the burst no longer counts at all.
          await sleepUntil(start + 800);
          expect(await limiter.peek(key, p)).toMatchObject({ allowed: true, remaining: 10 });
          return true;
        });
      });

      it('sliding-log: each request stops counting exactly one window after it was made', async () => {
        const key = uniqueKey();
        const p: RateLimitPolicy = { limit: 5, window: '400ms', algorithm: 'sliding-log' };
        /** The requests that passed: each counts while the server time is below its own + 400 ms. */
        const counted: Array<Timed<RateLimitResult>> = [];
        /** How many of them certainly (min) and possibly (max) count at a server time within [before, after]. */
        const live = ({ before, after }: { before: number; after: number }) => ({
          min: counted.filter((c) => after < c.before + 400).length,
          max: counted.filter((c) => before < c.after + 400).length,
        });
        const consume = async () => {
          const result = await timed(() => limiter.consume(key, p));
          if (result.value.allowed) counted.push(result);
          return result;
        };

        // Three requests, then (150 ms later by the clock) two more: five, all pass.
        for (let i = 0; i < 3; i++) expect((await consume()).value.allowed).toBe(true);
        await sleepUntil(counted[2].after + 150);
        for (let i = 0; i < 2; i++) expect((await consume()).value.allowed).toBe(true);
        // A sixth is refused while all five count (certainly so unless the machine took 400 ms).
        const sixth = await consume();
        const atSixth = live(sixth);
        if (atSixth.min === 5) expect(sixth.value.allowed).toBe(false);
        if (atSixth.max < 5) expect(sixth.value.allowed).toBe(true);
        if (!sixth.value.allowed) {
          // Until the newest (the fifth) stops counting.
          expect(sixth.value.resetAt).toBeGreaterThanOrEqual(counted[4].before + 400);
          expect(sixth.value.resetAt).toBeLessThanOrEqual(counted[4].after + 400);
        }
        // The limiter remembers a refusal until the oldest request stops counting, plus the reply's time.
        const memoryEnds = sixth.value.allowed
          ? 0
          : counted[0].after + 400 + (sixth.after - sixth.before) + 1;

        // Once the first three stop counting, only the later ones do.
        await sleepUntil(Math.max(counted[2].after + 400, memoryEnds));
        const partly = await timed(() => limiter.peek(key, p));
        const atPartly = live(partly);
        expect(partly.value.remaining).toBeGreaterThanOrEqual(5 - atPartly.max);
        expect(partly.value.remaining).toBeLessThanOrEqual(5 - atPartly.min);
        expect(partly.value.allowed).toBe(partly.value.remaining > 0);

        // Once every request has stopped counting, the limit is whole again.
        await sleepUntil(Math.max(...counted.map((c) => c.after + 400), memoryEnds));
        expect(await limiter.peek(key, p)).toMatchObject({ allowed: true, remaining: 5 });
      });

      it('token-bucket: refills continuously at limit per window', async () => {
        const key = uniqueKey();
        const p: RateLimitPolicy = { limit: 10, window: 1, algorithm: 'token-bucket' }; // one token per 100 ms
        const drained = await consumeUntilRefused(limiter, key, p);
        const passed = drained.length - 1;
        const first = drained[0];
        const last = drained[passed - 1];
        const refused = drained[passed];
        // A full bucket holds 10; meanwhile at most one more token per 100 ms can have been refilled.
        expect(passed).toBeGreaterThanOrEqual(10);
        expect(passed).toBeLessThanOrEqual(10 + Math.floor((last.after - first.before) / 100));
        expect(refused.value.retryAfter).toBe(1);

        // Let about 3.5 tokens refill (and the limiter's memory of the refusal, at most 100 ms, end).
        await sleepUntil(Math.max(last.after + 350, refused.after + 100 + 1));
        const later = await timed(() => limiter.peek(key, p));
        // At the peek: what the last consume left (under one token, or the refusal would have passed)
        // plus one token per 100 ms since. Fewest: 0 left, refilled since last.after. Most: just under
        // one token left at the refusal, refilled since refused.before.
        const fewest = Math.min(10, Math.floor((later.before - last.after) / 100));
        const most = Math.min(10, Math.floor((999 + 10 * (later.after - refused.before)) / 1000));
        expect(later.value.allowed).toBe(true);
        expect(later.value.remaining).toBeGreaterThanOrEqual(fewest);
        expect(later.value.remaining).toBeLessThanOrEqual(most);
        // Full again one window (1 s) after the bucket was emptied by the last consume, give or take
        // the part of a token it left (up to 99 ms sooner); or now, if already full.
        expect(later.value.resetAt).toBeGreaterThanOrEqual(
          Math.max(later.before, last.before + 901),
        );
        expect(later.value.resetAt).toBeLessThanOrEqual(Math.max(later.after, last.after + 1_000));
      });

      it('gcra: after a burst of `limit`, one request per emission interval (window / limit)', async () => {
        const key = uniqueKey();
        const p: RateLimitPolicy = { limit: 5, window: '500ms', algorithm: 'gcra' }; // 100 ms apart
        let passed = 0;
        let firstBefore: number | undefined;
        const consume = async () => {
          const result = await timed(() => limiter.consume(key, p));
          firstBefore ??= result.before;
          if (result.value.allowed) passed += 1;
          // GCRA's guarantee: over any span, at most `limit` plus one per emission interval pass.
          expect(passed).toBeLessThanOrEqual(5 + Math.floor((result.after - firstBefore) / 100));
          return result;
        };

        // The burst passes from empty; a sixth right after it only if an interval went by meanwhile.
        for (let i = 0; i < 5; i++) expect((await consume()).value.allowed).toBe(true);
        let previous = await consume();
        for (let i = 0; i < 3; i++) {
          // An emission interval after the previous request (the last one that passed, or a refusal,
          // which the limiter remembers for at most an interval), one request certainly passes...
          // The remembered refusal runs on the monotonic clock from when the reply was handled, which
          // `previous.after` (Date.now(), whole ms) can precede by up to 1 ms: hence the + 1.
          await sleepUntil(previous.after + 100 + 1);
          expect((await consume()).value.allowed).toBe(true);
          // ... and a second one right after it only if the time since the burst allows (checked in consume).
          previous = await consume();
        }
      });
    });
  });
}
