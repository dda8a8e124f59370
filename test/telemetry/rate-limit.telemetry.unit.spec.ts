import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  RATE_LIMIT_ALLOWED_CHANNEL,
  RATE_LIMIT_CHECK_TRACING_CHANNEL,
  RATE_LIMIT_REFUSED_CHANNEL,
  RateLimiterService,
  StoreModule,
  StoreValidationError,
  type RateLimitCheckTraceContext,
  type RateLimitEvent,
  type RateLimitPolicy,
} from '../../lib/index.js';
import { observeRateLimit, rateLimitObserved } from '../../lib/telemetry/rate-limit.telemetry.js';
import { ChannelProbe } from './channel-probe.js';

/* RateLimiterService.consume publishes through `observeRateLimit` whenever someone listens. */
describe('rate-limit telemetry', () => {
  const probe = new ChannelProbe();
  let app: INestApplicationContext;
  let limiter: RateLimiterService;
  const policy: RateLimitPolicy = {
    name: 'login',
    limit: 2,
    window: 60,
    algorithm: 'fixed-window',
  };
  const contextFor = (key: string, cost = 1): RateLimitCheckTraceContext => ({
    keyPrefix: 'rl:',
    policy: 'login',
    algorithm: 'fixed-window',
    key,
    cost,
  });

  beforeAll(async () => {
    app = await NestFactory.createApplicationContext(
      StoreModule.forRoot({ driver: 'memory', keyPrefix: 'rl:' }),
      { logger: false },
    );
    limiter = app.get(RateLimiterService);
  });
  afterEach(() => probe.close());
  afterAll(() => app.close());

  it('publishes each admitted and each refused request with its outcome and duration', async () => {
    const allowed = probe.listen<RateLimitEvent>(RATE_LIMIT_ALLOWED_CHANNEL);
    const refused = probe.listen<RateLimitEvent>(RATE_LIMIT_REFUSED_CHANNEL);
    expect(rateLimitObserved()).toBe(true);
    const context = contextFor('203.0.113.7');
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await limiter.consume('203.0.113.7', policy));

    const outcome = { ...context, limit: 2, durationMs: expect.any(Number) };
    expect(allowed).toEqual([
      { ...outcome, allowed: true, remaining: 1, resetAt: results[0].resetAt, retryAfter: 0 },
      { ...outcome, allowed: true, remaining: 0, resetAt: results[1].resetAt, retryAfter: 0 },
    ]);
    expect(refused).toEqual([
      {
        ...outcome,
        allowed: false,
        remaining: 0,
        resetAt: results[2].resetAt,
        retryAfter: results[2].retryAfter,
      },
    ]);
    expect(results[2].retryAfter).toBeGreaterThan(0);
  });

  it('traces each check on the rate-limit.check TracingChannel, with its result or error', async () => {
    const trace = probe.trace<RateLimitCheckTraceContext>(RATE_LIMIT_CHECK_TRACING_CHANNEL);
    const result = await limiter.consume('198.51.100.1', policy);
    expect(trace.events.map((e) => e.event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    expect(trace.events[0].context).toEqual(contextFor('198.51.100.1'));
    expect(trace.events[3].context).toEqual({ ...contextFor('198.51.100.1'), result });

    trace.events.length = 0;
    // A check that fails (not a refusal: consume answers those) ends on the error event.
    const check = observeRateLimit(
      () => Promise.reject(new StoreValidationError('a failing check')),
      contextFor('198.51.100.1'),
    );
    await expect(check).rejects.toBeInstanceOf(StoreValidationError);
    expect(trace.events.find((e) => e.event === 'error')?.context.error).toBeInstanceOf(
      StoreValidationError,
    );
  });
});
