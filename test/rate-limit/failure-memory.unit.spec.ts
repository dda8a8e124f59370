/**
 * `failure: 'memory'` without Redis: accepted wherever `failure` is (a policy, `@RateLimit`, the
 * module's `rateLimit.failure`), a wrong value rejected with a message listing the three, and on
 * the memory driver (which is never unreachable) it changes nothing.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import {
  RateLimit,
  RateLimiterService,
  StoreConfigurationError,
  StoreModule,
  StoreValidationError,
  type RateLimitPolicy,
  type StoreModuleOptions,
} from '../../lib/index.js';
import { resolveRateLimitPolicy } from '../../lib/engine/rate-limit/rate-limit-policy.js';
import { validateStoreRateLimitOptions } from '../../lib/nest/rate-limit/rate-limit-rule.validation.js';

const THREE = /expected 'open', 'closed' or 'memory'/;

const boot = (rateLimit: StoreModuleOptions['rateLimit']) =>
  NestFactory.createApplicationContext(StoreModule.forRoot({ driver: 'memory', rateLimit }), {
    logger: false,
    abortOnError: false,
  });

describe("failure: 'memory' (validation)", () => {
  it('is accepted in a policy, in @RateLimit and as the module default', () => {
    const context = { defaultFailure: 'open' as const, maxNameLength: 100 };
    expect(
      resolveRateLimitPolicy({ limit: 1, window: 1, failure: 'memory' }, context).failure,
    ).toBe('memory');
    expect(
      resolveRateLimitPolicy({ limit: 1, window: 1 }, { ...context, defaultFailure: 'memory' })
        .failure,
    ).toBe('memory');
    expect(() => RateLimit({ limit: 5, window: '1m', failure: 'memory' })).not.toThrow();
    expect(() => validateStoreRateLimitOptions({ failure: 'memory' })).not.toThrow();
  });

  it.each([['maybe'], ['Memory'], [true], [0]])(
    'rejects %p with a message listing the three policies',
    (failure) => {
      const policy = { limit: 5, window: '1m', failure } as unknown as RateLimitPolicy;
      expect(() => RateLimit(policy)).toThrow(StoreValidationError);
      expect(() => RateLimit(policy)).toThrow(THREE);
      expect(() =>
        validateStoreRateLimitOptions({ failure } as unknown as Parameters<
          typeof validateStoreRateLimitOptions
        >[0]),
      ).toThrow(THREE);
    },
  );

  it('rejects a wrong policy failure in RateLimiterService before anything is counted', async () => {
    const app = await boot({ failure: 'memory' });
    try {
      const limiter = app.get(RateLimiterService);
      const policy = { limit: 5, window: 60, failure: 'fallback' } as unknown as RateLimitPolicy;
      const error = await limiter.consume('k', policy).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreValidationError);
      expect((error as Error).message).toMatch(/rate limit policy "default" failure "fallback"/);
      expect((error as Error).message).toMatch(THREE);
    } finally {
      await app.close();
    }
  });

  it('rejects a wrong rateLimit.failure at bootstrap, naming the option and the three values', async () => {
    const error = await boot({ failure: 'insurance' as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreConfigurationError);
    expect((error as Error).message).toMatch(/rateLimit\.failure/);
    expect((error as Error).message).toMatch(THREE);
  });
});

describe("failure: 'memory' on the memory driver", () => {
  it('changes nothing: the store always answers, nothing is marked unavailable, reset works', async () => {
    const app = await boot({ failure: 'memory' });
    try {
      const limiter = app.get(RateLimiterService);
      const policy: RateLimitPolicy = { limit: 2, window: '1h', blockDuration: '1h' };
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await limiter.consume('caller', policy));
      expect(results.map((r) => [r.allowed, r.remaining])).toEqual([
        [true, 1],
        [true, 0],
        [false, 0],
      ]);
      expect(results.some((r) => RateLimiterService.isUnavailable(r))).toBe(false);
      expect(results.some((r) => RateLimiterService.isCountedInProcess(r))).toBe(false);
      await limiter.reset('caller', policy);
      const after = await limiter.consume('caller', policy);
      expect(after).toMatchObject({ allowed: true, remaining: 1 });
      expect(RateLimiterService.isUnavailable(after)).toBe(false);
    } finally {
      await app.close();
    }
  });
});
