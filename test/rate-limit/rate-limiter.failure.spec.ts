import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StoreCommandError, StoreModule } from '../../lib/index.js';
import { RateLimiterService } from '../../lib/engine/rate-limit/rate-limiter.service.js';
import type {
  RateLimitPolicy,
  RateLimitResult,
} from '../../lib/engine/rate-limit/rate-limit.interfaces.js';
import type { StoreContext } from '../../lib/engine/store-context.js';
import { STORE_CONTEXT } from '../../lib/nest/store.constants.js';
import { startStandalone, type RedisServerHandle } from '../support/redis-servers.js';

const COMMAND_TIMEOUT_MS = 400;
/** Failing within a bounded time is behaviour (without it a check would wait for Redis forever), not a benchmark. */
const BOUND_MS = COMMAND_TIMEOUT_MS + 4_000;

async function timed(
  check: () => Promise<RateLimitResult>,
): Promise<{ result: RateLimitResult; elapsedMs: number }> {
  const started = Date.now();
  const result = await check();
  return { result, elapsedMs: Date.now() - started };
}

describe('RateLimiterService when Redis is unreachable', () => {
  let server: RedisServerHandle;
  let app: INestApplicationContext;
  let context: StoreContext;
  const policy = (failure?: 'open' | 'closed'): RateLimitPolicy => ({
    limit: 7,
    window: 60,
    algorithm: 'token-bucket',
    failure,
  });

  beforeAll(async () => {
    server = await startStandalone();
    app = await NestFactory.createApplicationContext(
      StoreModule.forRoot({ redis: server.url, commandTimeout: COMMAND_TIMEOUT_MS }),
      {
        logger: false,
      },
    );
    context = app.get<StoreContext>(STORE_CONTEXT);
  });

  afterAll(async () => {
    await app.close();
    await server.stop();
  });

  it('counts normally while Redis is up, and a command error is not mistaken for an outage', async () => {
    const limiter = new RateLimiterService(context);
    const result = await limiter.consume('up', policy());
    expect(result).toMatchObject({ allowed: true, remaining: 6 });
    expect(RateLimiterService.isUnavailable(result)).toBe(false);
    // A key of the wrong type is a server-side refusal: it is thrown, not failed open.
    await context.driver.set('__nestjs_store__:rl:{default:wrong-type}:tb', 'not a hash');
    await expect(limiter.consume('wrong-type', policy())).rejects.toBeInstanceOf(StoreCommandError);
  });

  it('fails open (admits, remaining = limit) or closed (refuses, retryAfter 1) within a bounded time, never throwing', async () => {
    await server.kill();
    const limiter = new RateLimiterService(context);
    const closedByDefault = new RateLimiterService(context, { failure: 'closed' });

    const open = await timed(() => limiter.consume('down', policy()));
    expect(open.result).toMatchObject({ allowed: true, limit: 7, remaining: 7, retryAfter: 0 });
    expect(RateLimiterService.isUnavailable(open.result)).toBe(true);
    expect(open.elapsedMs).toBeLessThan(BOUND_MS);

    const closed = await timed(() => limiter.consume('down', policy('closed')));
    expect(closed.result).toMatchObject({ allowed: false, limit: 7, remaining: 0, retryAfter: 1 });
    expect(RateLimiterService.isUnavailable(closed.result)).toBe(true);
    expect(closed.elapsedMs).toBeLessThan(BOUND_MS);

    // The module-level default applies to policies without their own; a policy's own wins.
    expect((await closedByDefault.peek('down', policy())).allowed).toBe(false);
    expect((await closedByDefault.consume('down', policy('open'))).allowed).toBe(true);
    // The unavailable mark is not part of the result's shape.
    expect(Object.keys(closed.result).sort()).toEqual([
      'allowed',
      'limit',
      'remaining',
      'resetAt',
      'retryAfter',
    ]);
  });
});
