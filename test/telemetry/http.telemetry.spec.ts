import { Controller, Get, Param } from '@nestjs/common';
import { CACHE_HTTP_CHANNEL, Cacheable, type CacheHttpEvent } from '../../lib/index.js';
import { read, redisStore, startCacheApp, type CacheApp } from '../cache/cache-app.js';
import { waitFor } from '../contract/store-fixture.js';
import { ChannelProbe } from './channel-probe.js';

@Controller('telemetry')
class TelemetryController {
  @Get('items/:id')
  @Cacheable({ key: 'item:{id}', ttl: 60 })
  item(@Param('id') id: string) {
    return { id };
  }

  @Get('fading/:id')
  @Cacheable({ key: 'fading:{id}', ttl: '100ms', grace: '30s' })
  fading(@Param('id') id: string) {
    return { id, at: Date.now() };
  }
}

describe('HTTP cache telemetry', () => {
  const probe = new ChannelProbe();
  let app: CacheApp;
  let events: CacheHttpEvent[];

  beforeAll(async () => {
    app = await startCacheApp({
      platform: 'express',
      controllers: [TelemetryController],
      store: redisStore(),
    });
  });
  beforeEach(() => {
    events = probe.listen<CacheHttpEvent>(CACHE_HTTP_CHANNEL);
  });
  afterEach(() => probe.close());
  afterAll(() => app.app.close());

  const handler = 'TelemetryController.item';

  it('publishes each answer with its X-Cache status, the store, the handler and the route key', async () => {
    expect(await read(await app.fetch('/telemetry/items/1'))).toMatchObject({ cache: 'MISS' });
    expect(await read(await app.fetch('/telemetry/items/1'))).toMatchObject({ cache: 'HIT' });
    expect(events).toEqual([
      { store: 'default', status: 'miss', handler, key: 'cache:item:1' },
      { store: 'default', status: 'hit', handler, key: 'cache:item:1' },
    ]);
  });

  it('publishes a bypass with its reason when the request identifies its caller', async () => {
    expect(
      await read(await app.fetch('/telemetry/items/2', { headers: { authorization: 'Bearer t' } })),
    ).toMatchObject({ cache: 'BYPASS' });
    expect(events).toEqual([
      {
        store: 'default',
        status: 'bypass',
        handler,
        reason: expect.stringContaining('authorization header'),
      },
    ]);
  });

  it('publishes a stale answer', async () => {
    expect(await read(await app.fetch('/telemetry/fading/1'))).toMatchObject({ cache: 'MISS' });
    await waitFor(
      async () => (await read(await app.fetch('/telemetry/fading/1'))).cache === 'STALE',
      10_000,
      'a STALE answer',
    );
    expect(events).toContainEqual({
      store: 'default',
      status: 'stale',
      handler: 'TelemetryController.fading',
      key: 'cache:fading:1',
    });
  });
});
