import { Controller, Get, Param } from '@nestjs/common';
import { Cacheable } from '../../lib/index.js';
import { sleep, waitFor } from '../contract/store-fixture.js';
import { PLATFORMS, read, redisStore, startCacheApp, type CacheApp } from './cache-app.js';

let version = 0;

@Controller('stale')
class StaleController {
  @Get(':id')
  @Cacheable({ key: 'stale:{id}', ttl: '100ms', grace: '10s' })
  async find(@Param('id') id: string): Promise<{ id: string; version: number }> {
    await sleep(20);
    version += 1;
    return { id, version };
  }
}

describe.each(PLATFORMS)('@Cacheable with grace over HTTP (%s)', (platform) => {
  let app: CacheApp;

  beforeAll(async () => {
    app = await startCacheApp({ platform, controllers: [StaleController], store: redisStore() });
  });
  afterAll(() => app.app.close());

  it('serves STALE after the TTL while one refresh runs, then HIT with the refreshed value', async () => {
    version = 0;
    expect(await read(await app.fetch('/stale/1'))).toMatchObject({ status: 200, cache: 'MISS', body: { version: 1 } });
    expect(await read(await app.fetch('/stale/1'))).toMatchObject({ cache: 'HIT', body: { version: 1 } });
    await sleep(150);
    expect(await read(await app.fetch('/stale/1'))).toMatchObject({ status: 200, cache: 'STALE', body: { version: 1 } });
    await waitFor(async () => (await read(await app.fetch('/stale/1'))).cache === 'HIT', 5_000, 'the refreshed entry');
    expect(await read(await app.fetch('/stale/1'))).toMatchObject({ cache: 'HIT', body: { version: 2 } });
    expect(version).toBe(2);
  });
});
