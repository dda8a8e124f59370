/**
 * The reset bus on the memory driver (in-process pub/sub, no Redis): two limiters on one store
 * stand for two instances. A reset heard while a check is under way keeps that check's refusal
 * (which may predate the reset) from being remembered; without the `pubsub` capability a reset
 * stays local and still works.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Logger, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { jest } from '@jest/globals';
import {
  RateLimiterService,
  StoreModule,
  type RateLimitPolicy,
  type RateLimitResult,
  type StoreDriver,
} from '../../lib/index.js';
import type {
  RateLimitArgs,
  RateLimitKeys,
  RateLimitScript,
  RawRateLimitReply,
} from '../../lib/drivers/store-driver.interface.js';
import type { StoreContext } from '../../lib/engine/store-context.js';
import { STORE_CONTEXT } from '../../lib/nest/store.constants.js';
import { MemoryDriver } from '../../lib/testing/index.js';
import { CoreOnlyDriver } from '../contract/wrapping-drivers.js';
import { waitFor } from '../support/timing.js';

const policy: RateLimitPolicy = { name: 'login', limit: 1, window: '1h', blockDuration: '1h' };

const boot = (driver: 'memory' | StoreDriver) =>
  NestFactory.createApplicationContext(StoreModule.forRoot({ driver }), { logger: false });

/** A limiter's count of resets heard or made (internal): changes when one arrives. */
const generationOf = (limiter: RateLimiterService): number =>
  (limiter as unknown as { generation: number }).generation;

describe('RateLimiterService reset bus (in process)', () => {
  let app: INestApplicationContext;
  let context: StoreContext;

  beforeAll(async () => {
    app = await boot('memory');
    context = app.get<StoreContext>(STORE_CONTEXT);
  });

  afterAll(() => app.close());

  it('makes another limiter of the store forget its remembered refusal', async () => {
    const a = app.get(RateLimiterService);
    const b = new RateLimiterService(context);
    const key = randomUUID();
    expect((await a.consume(key, policy)).allowed).toBe(true);
    expect((await b.consume(key, policy)).allowed).toBe(false);
    const calls = jest.spyOn(context.driver, 'rateLimit');
    try {
      expect((await b.consume(key, policy)).allowed).toBe(false);
      expect(calls).not.toHaveBeenCalled(); // remembered
      await a.reset(key, policy);
      await waitFor(
        async () => (await b.consume(key, policy)).allowed,
        5_000,
        'b to admit the key after the reset',
      );
    } finally {
      calls.mockRestore();
    }
  });

  it('does not remember a refusal whose check was under way when a reset arrived', async () => {
    const a = app.get(RateLimiterService);
    const b = new RateLimiterService(context);
    const key = randomUUID();
    expect((await a.consume(key, policy)).allowed).toBe(true);

    // B's check runs in the store now (refused: the key is blocked), its reply is held back.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const original = context.driver.rateLimit.bind(context.driver);
    const calls = jest
      .spyOn(context.driver, 'rateLimit')
      .mockImplementationOnce(
        async (script: RateLimitScript, keys: RateLimitKeys, args: RateLimitArgs) => {
          const reply: RawRateLimitReply = await original(script, keys, args);
          await held;
          return reply;
        },
      );
    try {
      const pending: Promise<RateLimitResult> = b.consume(key, policy);
      const before = generationOf(b);
      await a.reset(key, policy);
      await waitFor(() => generationOf(b) !== before, 5_000, 'b to hear the reset');
      release();
      expect((await pending).allowed).toBe(false); // what the store answered before the reset
      // Not remembered: the next check asks the store, where the reset cleared the key.
      expect((await b.consume(key, policy)).allowed).toBe(true);
      expect(calls).toHaveBeenCalledTimes(2);
    } finally {
      calls.mockRestore();
    }
  });
});

/** The memory driver's core and rate limits, without pub/sub. */
class RateLimitOnlyDriver extends CoreOnlyDriver {
  rateLimit(
    script: RateLimitScript,
    keys: RateLimitKeys,
    args: RateLimitArgs,
  ): Promise<RawRateLimitReply> {
    return this.inner.rateLimit(script, keys, args);
  }
}

describe('RateLimiterService.reset on a driver without pub/sub', () => {
  it('resets locally, announcing nothing', async () => {
    const app = await boot(new RateLimitOnlyDriver(new MemoryDriver(1_000, new Logger('inner'))));
    try {
      const context = app.get<StoreContext>(STORE_CONTEXT);
      expect(context.driver.capabilities.has('pubsub')).toBe(false);
      const limiter = app.get(RateLimiterService);
      const key = randomUUID();
      expect((await limiter.consume(key, policy)).allowed).toBe(true);
      expect((await limiter.consume(key, policy)).allowed).toBe(false);
      await expect(limiter.reset(key, policy)).resolves.toBeUndefined();
      expect((await limiter.consume(key, policy)).allowed).toBe(true);
    } finally {
      await app.close();
    }
  });
});
