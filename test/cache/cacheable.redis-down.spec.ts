import { Controller, Get, Param } from '@nestjs/common';
import { Cacheable, CacheEvict } from '../../lib/index.js';
import { startStandalone, type RedisServerHandle } from '../support/redis-servers.js';
import { PLATFORMS, read, startCacheApp, type CacheApp } from './cache-app.js';
import { called, calls } from './cache-test.controllers.js';

@Controller('down')
class DownController {
  @Get(':id')
  @Cacheable({ key: 'down:{id}', ttl: 60, tags: ['down'] })
  one(@Param('id') id: string) {
    return { id, n: called('down') };
  }

  @Get(':id/evict')
  @CacheEvict({ keys: ['down:{id}'], tags: ['down'] })
  evict(@Param('id') id: string) {
    return { evicted: id };
  }
}

describe.each(PLATFORMS)('Redis down (%s)', (platform) => {
  let server: RedisServerHandle;
  let app: CacheApp;

  beforeAll(async () => {
    server = await startStandalone();
    app = await startCacheApp({
      platform,
      controllers: [DownController],
      store: { redis: server.url, keyPrefix: 'down:', commandTimeout: 300 },
    });
    calls.clear();
  });

  afterAll(async () => {
    // Closed while Redis is still down: shutting down must not hang or linger.
    await app.app.close();
    await server.stop();
  });

  it('answers cached routes from the handler, never a 5xx because of the cache', async () => {
    expect(await read(await app.fetch('/down/1'))).toMatchObject({ status: 200, cache: 'MISS' });
    expect(await read(await app.fetch('/down/1'))).toMatchObject({ status: 200, cache: 'HIT' });
    await server.kill();
    for (const n of [2, 3])
      expect(await read(await app.fetch('/down/2'))).toMatchObject({
        status: 200,
        body: { id: '2', n },
      });
    expect(await read(await app.fetch('/down/1/evict'))).toMatchObject({
      status: 200,
      body: { evicted: '1' },
    });
  });
});
