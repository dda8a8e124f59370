import 'reflect-metadata';
import { Controller, Get } from '@nestjs/common';
import { RateLimit } from '../../lib/nest/rate-limit/rate-limit.decorator.js';
import { startStandalone, type RedisServerHandle } from '../support/redis-servers.js';
import { PLATFORMS, read, startRateLimitApp, type RateLimitApp } from './rate-limit-app.js';

@Controller('down')
class DownController {
  @Get('open')
  @RateLimit({ limit: 5, window: 60 })
  open() {
    return { ok: true };
  }

  @Get('closed')
  @RateLimit({ name: 'strict', limit: 5, window: 60, failure: 'closed' })
  closed() {
    return { ok: true };
  }
}

describe.each(PLATFORMS)('Redis down: the failure policy (%s)', (platform) => {
  let server: RedisServerHandle;
  let app: RateLimitApp;

  beforeAll(async () => {
    server = await startStandalone();
    app = await startRateLimitApp({
      platform,
      controllers: [DownController],
      store: { redis: server.url, keyPrefix: 'rl-down:', commandTimeout: 300 },
    });
  });
  afterAll(async () => {
    await app.close();
    await server.stop();
  });

  it("fails open by default, closed (503 with the JSON body) with failure: 'closed', within a bounded time", async () => {
    expect((await read(await app.fetch('/down/open'))).status).toBe(200);
    expect((await read(await app.fetch('/down/closed'))).status).toBe(200);
    await server.kill();
    const started = Date.now();
    expect((await read(await app.fetch('/down/open'))).status).toBe(200);
    const closed = await read(await app.fetch('/down/closed'));
    expect(closed.status).toBe(503);
    expect(closed.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: expect.any(String),
      policy: 'strict',
      retryAfter: 1,
    });
    expect(closed.headers['retry-after']).toBe('1');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('Redis down: module-level failure: closed', () => {
  let server: RedisServerHandle;
  let app: RateLimitApp;

  beforeAll(async () => {
    server = await startStandalone();
    app = await startRateLimitApp({
      platform: 'express',
      controllers: [DownController],
      store: { redis: server.url, keyPrefix: 'rl-down2:', commandTimeout: 300 },
      rateLimit: { failure: 'closed' },
    });
  });
  afterAll(async () => {
    await app.close();
    await server.stop();
  });

  it('applies to policies without their own failure mode', async () => {
    await server.kill();
    expect(await read(await app.fetch('/down/open'))).toMatchObject({
      status: 503,
      body: { statusCode: 503, policy: 'default' },
    });
  });
});
