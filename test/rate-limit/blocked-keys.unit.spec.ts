import 'reflect-metadata';
import { jest } from '@jest/globals';
import { NestFactory } from '@nestjs/core';
import {
  RateLimiterService,
  StoreConfigurationError,
  StoreModule,
  type RateLimitPolicy,
  type StoreModuleOptions,
} from '../../lib/index.js';
import type { StoreDriver } from '../../lib/drivers/store-driver.interface.js';
import { BlockedKeys } from '../../lib/engine/rate-limit/blocked-keys.js';
import { STORE_DRIVER } from '../../lib/nest/store.constants.js';

describe('BlockedKeys (refusals remembered in process)', () => {
  it('answers until the refusal ends, per policy, and forgets on reset', () => {
    const blocked = new BlockedKeys(10);
    blocked.remember('sw:login', 'ip-1', 1_000, 5_000, 0);
    expect(blocked.lookup('sw:login', 'ip-1', 400)).toEqual({ leftMs: 600, resetAt: 5_000 });
    expect(blocked.lookup('sw:api', 'ip-1', 400)).toBeUndefined();
    expect(blocked.lookup('sw:login', 'ip-1', 1_000)).toBeUndefined();
    blocked.remember('sw:login', 'ip-2', 1_000, 5_000, 0);
    blocked.forget('sw:login', 'ip-2');
    expect(blocked.lookup('sw:login', 'ip-2', 1)).toBeUndefined();
  });

  it('keeps at most maxEntries per policy (oldest dropped) and at most 1,000 policies', () => {
    const blocked = new BlockedKeys(3);
    for (const key of ['a', 'b', 'c', 'd']) blocked.remember('p', key, 1_000, 0, 0);
    expect(['a', 'b', 'c', 'd'].map((key) => blocked.lookup('p', key, 1) !== undefined)).toEqual([
      false,
      true,
      true,
      true,
    ]);

    for (let i = 0; i <= 1_000; i++) blocked.remember(`policy-${i}`, 'k', 1_000, 0, 0);
    expect(blocked.lookup('policy-0', 'k', 1)).toBeUndefined();
    expect(blocked.lookup('policy-1', 'k', 1)).toBeDefined();
    expect(blocked.lookup('policy-1000', 'k', 1)).toBeDefined();
  });

  it('keeps time on the monotonic clock: a wall-clock step back or forward changes no remembered refusal', () => {
    const blocked = new BlockedKeys(10);
    blocked.remember('p', 'k', 1_000, 0);
    const wallClock = Date.now();
    const back = jest.spyOn(Date, 'now').mockReturnValue(wallClock - 60_000);
    const afterStepBack = blocked.lookup('p', 'k');
    back.mockReturnValue(wallClock + 60_000);
    const afterStepForward = blocked.lookup('p', 'k');
    back.mockRestore();
    expect(afterStepBack?.leftMs).toBeLessThanOrEqual(1_000);
    expect(afterStepForward?.leftMs).toBeGreaterThan(0);
  });
});

describe('rateLimit.maxBlockedKeys (forRoot)', () => {
  const policy: RateLimitPolicy = { limit: 1, window: '1h' };
  const boot = (rateLimit: StoreModuleOptions['rateLimit']) =>
    NestFactory.createApplicationContext(StoreModule.forRoot({ driver: 'memory', rateLimit }), {
      logger: false,
      abortOnError: false,
    });

  /** Refuses `keys` in order, then floods the first one: how many of the flood's checks reached the store. */
  async function storeChecksOfFlood(
    maxBlockedKeys: number | undefined,
    keys: string[],
  ): Promise<number> {
    const app = await boot(maxBlockedKeys === undefined ? undefined : { maxBlockedKeys });
    try {
      const limiter = app.get(RateLimiterService);
      for (const key of keys) for (let i = 0; i < 2; i++) await limiter.consume(key, policy);
      const calls = jest.spyOn(app.get<StoreDriver>(STORE_DRIVER), 'rateLimit');
      await Promise.all(Array.from({ length: 5 }, () => limiter.consume(keys[0], policy)));
      return calls.mock.calls.length;
    } finally {
      await app.close();
    }
  }

  it('bounds the refusals the limiter remembers per policy: the oldest is forgotten and costs store round trips again', async () => {
    expect(await storeChecksOfFlood(undefined, ['a', 'b'])).toBe(0);
    expect(await storeChecksOfFlood(2, ['a', 'b'])).toBe(0);
    expect(await storeChecksOfFlood(1, ['a', 'b'])).toBeGreaterThan(0);
  });

  it.each([0, -1, 1.5, '10'])('refuses %p at bootstrap', async (maxBlockedKeys) => {
    const error = await boot({ maxBlockedKeys: maxBlockedKeys as number }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreConfigurationError);
    expect((error as Error).message).toMatch(/options\.rateLimit\.maxBlockedKeys/);
  });
});
