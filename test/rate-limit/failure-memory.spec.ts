/**
 * `failure: 'memory'` against a real outage: two app instances (Express and Fastify) on one private
 * Redis, which is killed. Each instance keeps counting in process with the policy's algorithm and
 * refuses past the limit on its own (the guard with a 429 and the usual headers), every answer
 * within `commandTimeout` plus a margin derived from the event-loop delay measured meanwhile. Once
 * Redis is back, checks count there again: the counts come from Redis (shared by both instances,
 * not what each counted in process) and a raw client sees the state key written; the in-process
 * counts are dropped then, so a later outage counts afresh.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Controller, Get } from '@nestjs/common';
import {
  RateLimit,
  RateLimiterService,
  type RateLimitPolicy,
  type RateLimitResult,
} from '../../lib/index.js';
import {
  rateLimitAlgorithmOf,
  type RateLimitAlgorithm,
} from '../../lib/engine/rate-limit/algorithms/registry.js';
import { callerKeyOf } from '../../lib/engine/rate-limit/caller-key.js';
import { RateLimitStateKeys } from '../../lib/engine/rate-limit/rate-limit-state-keys.js';
import type { StoreContext } from '../../lib/engine/store-context.js';
import { KeySpace } from '../../lib/keys/key-space.js';
import { STORE_CONTEXT } from '../../lib/nest/store.constants.js';
import { testKeyPrefix } from '../support/key-prefix.js';
import { redisCommand, startStandalone, type RedisServerHandle } from '../support/redis-servers.js';
import { clearOfWindowEdge, waitFor } from '../support/timing.js';
import { ALGORITHMS } from './algorithms.suite.js';
import { PLATFORMS, read, startRateLimitApp, type RateLimitApp } from './rate-limit-app.js';

const COMMAND_TIMEOUT_MS = 500;
/** Scheduling slack on top of the measured event-loop delay: timers and sockets of a busy machine. */
const BASE_MARGIN_MS = 300;
const LIMIT = 3;
const DAY_MS = 86_400_000;

@Controller()
class LimitedController {
  @Get('limited')
  @RateLimit({ name: 'page', limit: LIMIT, window: '1d' })
  limited(): { ok: true } {
    return { ok: true };
  }
}

interface Instance {
  name: string;
  http: RateLimitApp;
  limiter: RateLimiterService;
  context: StoreContext;
}

/** Every check of this spec under the module's `failure: 'memory'`; one policy per algorithm. */
const policyOf = (algorithm: RateLimitAlgorithm): RateLimitPolicy => ({
  name: `mem-${algorithm}`,
  limit: LIMIT,
  window: '1d',
  algorithm,
});

/** The Redis key of a check's state, as the limiter of `context` names it. */
function stateKey(context: StoreContext, policy: RateLimitPolicy, key: string): string {
  const { keyPrefix, internalSegment } = context.options;
  const keys = new RateLimitStateKeys(new KeySpace(keyPrefix, internalSegment).rateLimitBase);
  return keys.of(policy.name!, callerKeyOf(key), rateLimitAlgorithmOf(policy.algorithm)!).state;
}

/** Collects how long each call took, and the event loop's worst delay meanwhile. */
class Stopwatch {
  private readonly lag = monitorEventLoopDelay({ resolution: 10 });
  readonly calls: Array<{ what: string; ms: number }> = [];

  constructor() {
    this.lag.enable();
  }

  async time<T>(what: string, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const value = await call();
    this.calls.push({ what, ms: performance.now() - started });
    return value;
  }

  /** The calls slower than `commandTimeout` plus the margin (none expected). */
  tooSlow(): Array<{ what: string; ms: number }> {
    this.lag.disable();
    const bound = COMMAND_TIMEOUT_MS + BASE_MARGIN_MS + this.lag.max / 1e6;
    return this.calls.filter(({ ms }) => ms > bound);
  }
}

describe("failure: 'memory' while Redis is away (two app instances on one Redis)", () => {
  let server: RedisServerHandle;
  let instances: Instance[] = [];
  const keyPrefix = testKeyPrefix('rl-memory');

  beforeAll(async () => {
    server = await startStandalone();
    instances = await Promise.all(
      PLATFORMS.map(async (platform) => {
        const http = await startRateLimitApp({
          platform,
          controllers: [LimitedController],
          store: { redis: server.url, keyPrefix, commandTimeout: COMMAND_TIMEOUT_MS },
          rateLimit: { failure: 'memory' },
        });
        return {
          name: platform,
          http,
          limiter: http.app.get(RateLimiterService),
          context: http.app.get<StoreContext>(STORE_CONTEXT),
        };
      }),
    );
  });

  afterAll(async () => {
    await Promise.all(instances.map(({ http }) => http.close()));
    await server?.stop();
  });

  it('counts per instance in process, refusing past the limit within commandTimeout, then counts in Redis again', async () => {
    // The fixed and sliding windows are aligned to the day: keep the test clear of its edge.
    await clearOfWindowEdge(DAY_MS, 60_000);
    const key = `caller-${randomUUID()}`;
    const stopwatch = new Stopwatch();

    await server.kill();
    try {
      for (const { name, limiter } of instances) {
        for (const algorithm of ALGORITHMS) {
          const results: RateLimitResult[] = [];
          for (let i = 0; i <= LIMIT; i++)
            results.push(
              await stopwatch.time(`${name} ${algorithm}`, () =>
                limiter.consume(key, policyOf(algorithm)),
              ),
            );
          // Each instance counts on its own: the other one's counts (same key) are not seen.
          expect([name, algorithm, results.map((r) => [r.allowed, r.remaining])]).toEqual([
            name,
            algorithm,
            [
              [true, 2],
              [true, 1],
              [true, 0],
              [false, 0],
            ],
          ]);
          expect(results[LIMIT].retryAfter).toBeGreaterThanOrEqual(1);
          expect(results.every((r) => RateLimiterService.isUnavailable(r))).toBe(true);
          expect(results.every((r) => RateLimiterService.isCountedInProcess(r))).toBe(true);
        }
        // A peek reports what was counted in process, and counts nothing.
        for (const peekedKey of [key, `${key}-fresh`]) {
          const peeked = await stopwatch.time(`${name} peek`, () =>
            limiter.peek(peekedKey, policyOf('gcra')),
          );
          expect(RateLimiterService.isCountedInProcess(peeked)).toBe(true);
          expect(peeked).toMatchObject(
            peekedKey === key ? { allowed: false } : { allowed: true, remaining: LIMIT },
          );
        }
      }

      // The guard applies it like any policy: 200s with the headers, then a 429 (not a 503).
      for (const { name, http } of instances) {
        const responses = [];
        for (let i = 0; i <= LIMIT; i++)
          responses.push(
            await stopwatch.time(`${name} GET`, async () => read(await http.fetch('/limited'))),
          );
        expect([name, responses.map((r) => r.status)]).toEqual([name, [200, 200, 200, 429]]);
        expect(responses.map((r) => r.headers['x-ratelimit-remaining'])).toEqual([
          '2',
          '1',
          '0',
          '0',
        ]);
        expect(responses.every((r) => r.headers['x-ratelimit-limit'] === String(LIMIT))).toBe(true);
        expect(Number(responses[LIMIT].headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(responses[LIMIT].body).toMatchObject({ statusCode: 429, policy: 'page' });
      }
    } finally {
      await server.restart();
    }
    expect(stopwatch.tooSlow()).toEqual([]);

    // Back: each instance reaches Redis again (a peek writes nothing, so the counts stay empty).
    for (const { name, limiter } of instances) {
      await waitFor(
        async () =>
          !RateLimiterService.isUnavailable(await limiter.peek(`probe-${key}`, policyOf('gcra'))),
        20_000,
        `${name} to check in Redis again`,
      );
    }
    for (const algorithm of ALGORITHMS) {
      const policy = policyOf(algorithm);
      const state = stateKey(instances[0].context, policy, key);
      expect(await redisCommand(server.port, ['EXISTS', state])).toBe(0);
      // Both instances refused the key in process; Redis counts from zero, for both together.
      const a = await instances[0].limiter.consume(key, policy);
      const b = await instances[1].limiter.consume(key, policy);
      expect([algorithm, a.allowed, a.remaining, b.allowed, b.remaining]).toEqual([
        algorithm,
        true,
        LIMIT - 1,
        true,
        LIMIT - 2,
      ]);
      expect(RateLimiterService.isUnavailable(a) || RateLimiterService.isUnavailable(b)).toBe(
        false,
      );
      expect(await redisCommand(server.port, ['EXISTS', state])).toBe(1);
    }
    const [a, b] = [
      await read(await instances[0].http.fetch('/limited')),
      await read(await instances[1].http.fetch('/limited')),
    ];
    expect([a.status, a.headers['x-ratelimit-remaining']]).toEqual([200, String(LIMIT - 1)]);
    expect([b.status, b.headers['x-ratelimit-remaining']]).toEqual([200, String(LIMIT - 2)]);

    // A later outage counts afresh: what the first one counted in process was dropped once checks
    // reached Redis again (it had refused the key under every policy).
    await server.kill();
    try {
      for (const { name, limiter } of instances) {
        const again = await limiter.consume(key, policyOf('gcra'));
        expect([name, again.allowed, again.remaining]).toEqual([name, true, LIMIT - 1]);
        expect(RateLimiterService.isCountedInProcess(again)).toBe(true);
      }
    } finally {
      await server.restart();
    }
  }, 120_000);
});
