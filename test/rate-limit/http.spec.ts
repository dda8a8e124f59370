import 'reflect-metadata';
import type { StoreModuleOptions } from '../../lib/index.js';
import { ControllerLimitedController, LimitedController } from './rate-limit-test.controllers.js';
import {
  clusterStore,
  memoryStore,
  read,
  redisStore,
  startRateLimitApp,
  statuses,
  type Platform,
  type RateLimitApp,
} from './rate-limit-app.js';
import { timed, clearOfWindowEdge } from '../support/timing.js';

// Requests are counted in epoch-aligned windows: no test may straddle a window boundary.
beforeEach(() => clearOfWindowEdge());

const SUITES: Array<[string, Platform, () => StoreModuleOptions]> = [
  ['Express, memory driver', 'express', memoryStore],
  ['Fastify, memory driver', 'fastify', memoryStore],
  ['Express, Redis', 'express', redisStore],
  ['Fastify, Redis', 'fastify', redisStore],
  ['Express, Redis Cluster', 'express', clusterStore],
];

describe.each(SUITES)('@RateLimit on HTTP (%s)', (_label, platform, store) => {
  let app: RateLimitApp;

  beforeAll(async () => {
    app = await startRateLimitApp({
      platform,
      store: store(),
      controllers: [LimitedController, ControllerLimitedController],
    });
  });
  afterAll(() => app.close());

  it('admits up to the limit, then answers 429 with a JSON body naming the policy and Retry-After', async () => {
    expect(await statuses(app, '/limited/one', 2)).toEqual([200, 200]);
    const refused = await read(await app.fetch('/limited/one'));
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringContaining('default'),
      policy: 'default',
      retryAfter: expect.any(Number),
    });
    const body = refused.body as { retryAfter: number };
    expect(body.retryAfter).toBeGreaterThan(0);
    expect(body.retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers['retry-after']).toBe(String(body.retryAfter));
  });

  it('counts each route on its own', async () => {
    expect(await statuses(app, '/limited/two', 3)).toEqual([200, 200, 429]);
    expect(await statuses(app, '/limited/free', 5)).toEqual([200, 200, 200, 200, 200]);
  });

  it('sets the legacy headers by default, and no IETF fields; routes of one scope share a counter', async () => {
    const first = await read(await app.fetch('/limited/shared-a'));
    expect(first.status).toBe(200);
    expect(first.headers['x-ratelimit-limit']).toBe('2');
    expect(first.headers['x-ratelimit-remaining']).toBe('1');
    // default algorithm: sliding window, which fully resets within two windows
    const reset = Number(first.headers['x-ratelimit-reset']);
    expect(reset).toBeGreaterThan(0);
    expect(reset).toBeLessThanOrEqual(120);
    expect(first.headers['retry-after']).toBeNull();
    expect(first.headers['ratelimit-policy']).toBeNull();
    expect(first.headers['ratelimit']).toBeNull();

    // The same test (one window): shared-a, called once above, shares its counter with shared-b.
    expect(await statuses(app, '/limited/shared-b', 2)).toEqual([200, 429]);
    expect(await statuses(app, '/limited/shared-a', 1)).toEqual([429]);
  });

  it('requires every named policy to pass, and names the one that refused', async () => {
    expect(await statuses(app, '/limited/multi', 2)).toEqual([200, 200]);
    const burst = await read(await app.fetch('/limited/multi'));
    expect(burst.status).toBe(429);
    expect(burst.body).toMatchObject({ policy: 'burst' });

    expect(await statuses(app, '/limited/multi-hourly', 1)).toEqual([200]);
    const {
      value: hourly,
      before,
      after,
    } = await timed(async () => read(await app.fetch('/limited/multi-hourly')));
    expect(hourly.status).toBe(429);
    expect(hourly.body).toMatchObject({ policy: 'hourly' });
    // The hourly policy (a sliding window) refuses until its epoch-aligned hour ends, 1 ms after
    // which the request made in it no longer counts: the Retry-After of that policy, not of the
    // 60 s burst one. Measured from the clock: in an hour's last minute it is under 60 s too.
    const HOUR_MS = 3_600_000;
    const untilHourEnds = (t: number) =>
      Math.max(1, Math.ceil((t - (t % HOUR_MS) + HOUR_MS + 1 - t) / 1000));
    const retryAfter = Number(hourly.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(
      Math.min(untilHourEnds(before), untilHourEnds(after)),
    );
    expect(retryAfter).toBeLessThanOrEqual(Math.max(untilHourEnds(before), untilHourEnds(after)));
    expect(hourly.headers['x-ratelimit-limit']).toBe('1');
  });

  it('@SkipRateLimit() skips every policy', async () => {
    expect(await statuses(app, '/limited/skip-all', 4)).toEqual([200, 200, 200, 200]);
    const response = await read(await app.fetch('/limited/skip-all'));
    expect(response.headers['x-ratelimit-limit']).toBeNull();
  });

  it("@SkipRateLimit('burst') skips only that policy", async () => {
    expect(await statuses(app, '/limited/skip-burst', 4)).toEqual([200, 200, 200, 429]);
    const refused = await read(await app.fetch('/limited/skip-burst'));
    expect(refused.body).toMatchObject({ policy: 'daily' });
  });

  it('keys by a function of the context when the policy says so', async () => {
    expect(await statuses(app, '/limited/by-header', 2, { headers: { 'x-api-key': 'a' } })).toEqual(
      [200, 429],
    );
    expect(await statuses(app, '/limited/by-header', 1, { headers: { 'x-api-key': 'b' } })).toEqual(
      [200],
    );
    // no key: the call is not attributed, so not limited
    expect(await statuses(app, '/limited/by-header', 3)).toEqual([200, 200, 200]);
  });

  it('counts a 3 KB key (a long API key header) like any other: 200 then 429, never a 500', async () => {
    const longKey = 'k'.repeat(3_000);
    expect(
      await statuses(app, '/limited/by-header', 2, { headers: { 'x-api-key': longKey } }),
    ).toEqual([200, 429]);
    expect(
      await statuses(app, '/limited/by-header', 1, { headers: { 'x-api-key': `${longKey}2` } }),
    ).toEqual([200]);
  });

  it('applies a controller @RateLimit to its handlers; a handler @RateLimit of the same name replaces it', async () => {
    expect(await statuses(app, '/ctl/inherits', 3)).toEqual([200, 200, 429]);
    expect(await statuses(app, '/ctl/overrides', 5)).toEqual([200, 200, 200, 200, 429]);
  });
});
