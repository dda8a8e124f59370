import { Controller, Get, Post } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Cacheable, CacheableInterceptor, NoCache } from '../../lib/index.js';
import { PLATFORMS, read, redisStore, startCacheApp, type CacheApp } from './cache-app.js';
import { called, calls, count } from './cache-test.controllers.js';

@Controller('global')
class GlobalController {
  @Get('plain')
  plain() {
    return { n: called('plain') };
  }

  @Post('plain')
  write() {
    return { n: called('write') };
  }

  @Get('opted-out')
  @NoCache()
  optedOut() {
    return { n: called('opted-out') };
  }

  @Get('decorated/:id')
  @Cacheable({ key: 'decorated:{id}', ttl: 60 })
  decorated() {
    return { n: called('decorated') };
  }
}

describe.each(PLATFORMS)('CacheableInterceptor as APP_INTERCEPTOR (%s)', (platform) => {
  let app: CacheApp;

  beforeAll(async () => {
    app = await startCacheApp({
      platform,
      controllers: [GlobalController],
      providers: [{ provide: APP_INTERCEPTOR, useClass: CacheableInterceptor }],
      store: redisStore({ defaultTtl: 60 }),
    });
    calls.clear();
  });

  afterAll(async () => {
    await app.app.close();
  });

  it('caches every GET without @Cacheable, with the module defaultTtl', async () => {
    expect(await read(await app.fetch('/global/plain'))).toMatchObject({
      body: { n: 1 },
      cache: 'MISS',
    });
    expect(await read(await app.fetch('/global/plain'))).toMatchObject({
      body: { n: 1 },
      cache: 'HIT',
    });
    const ttl = await app.store.ttl(`cache:http:GET ${new URL(app.url).hostname}/global/plain`);
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('does not cache POST', async () => {
    for (const n of [1, 2])
      expect(await read(await app.fetch('/global/plain', { method: 'POST' }))).toMatchObject({
        body: { n },
        cache: null,
      });
  });

  it('leaves @NoCache handlers alone', async () => {
    for (const n of [1, 2])
      expect(await read(await app.fetch('/global/opted-out'))).toMatchObject({
        body: { n },
        cache: null,
      });
  });

  it('runs a @Cacheable handler through the cache once (global and decorator interceptors do not stack)', async () => {
    expect(await read(await app.fetch('/global/decorated/1'))).toMatchObject({ cache: 'MISS' });
    expect(await read(await app.fetch('/global/decorated/1'))).toMatchObject({ cache: 'HIT' });
    expect(count('decorated')).toBe(1);
    expect(await app.store.has('cache:decorated:1')).toBe(true);
    expect(
      await app.store.has(`cache:http:GET ${new URL(app.url).hostname}/global/decorated/1`),
    ).toBe(false);
  });
});
