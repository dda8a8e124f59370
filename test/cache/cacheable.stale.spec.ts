import { Controller, Get, Param } from '@nestjs/common';
import { Cacheable } from '../../lib/index.js';
import { sleep, waitFor } from '../contract/store-fixture.js';
import { sleepUntil, timed, type Timed } from '../support/timing.js';
import { PLATFORMS, read, redisStore, startCacheApp, type CacheApp } from './cache-app.js';

/** The route's TTL (the `ttl` below): long enough for two requests in a row on a loaded machine. */
const TTL_MS = 1_000;
/** Tries of the first step before the machine is deemed too busy for the test to mean anything. */
const TRIES = 10;

/** How many times each id was loaded. */
const loads = new Map<string, number>();

@Controller('stale')
class StaleController {
  @Get(':id')
  @Cacheable({ key: 'stale:{id}', ttl: '1s', grace: '10s' })
  async find(@Param('id') id: string): Promise<{ id: string; version: number }> {
    await sleep(20); // a load that takes a while, so a refresh is still running when STALE is served
    const version = (loads.get(id) ?? 0) + 1;
    loads.set(id, version);
    return { id, version };
  }
}

type Reply = Awaited<ReturnType<typeof read>>;

describe.each(PLATFORMS)('@Cacheable with grace over HTTP (%s)', (platform) => {
  let app: CacheApp;

  beforeAll(async () => {
    app = await startCacheApp({ platform, controllers: [StaleController], store: redisStore() });
  });
  afterAll(() => app.app.close());

  const get = (id: string): Promise<Timed<Reply>> =>
    timed(async () => read(await app.fetch(`/stale/${id}`)));

  it('serves STALE after the TTL while one refresh runs, then HIT with the refreshed value', async () => {
    loads.clear();
    // The entry is fresh until (end of its load) + TTL_MS, and the load ends after the first request
    // starts: a second request done by first.before + TTL_MS is certainly a HIT. A machine too busy
    // for that gets another try, on another id (a later request could rightly be STALE).
    let id = '';
    let first: Timed<Reply> | undefined;
    for (let attempt = 1; first === undefined; attempt++) {
      id = `${attempt}`;
      const miss = await get(id);
      expect(miss.value).toMatchObject({ status: 200, cache: 'MISS', body: { version: 1 } });
      const second = await get(id);
      if (second.after < miss.before + TTL_MS) {
        expect(second.value).toMatchObject({ status: 200, cache: 'HIT', body: { version: 1 } });
        first = miss;
      } else if (attempt === TRIES) {
        throw new Error(`${TRIES} tries, and never two requests within ${TTL_MS} ms`);
      }
    }

    // Stale by the clock: its load ended by first.after. Within the 10 s grace it is served STALE.
    await sleepUntil(first.after + TTL_MS);
    const stale = await get(id);
    expect(stale.value).toMatchObject({ status: 200, cache: 'STALE', body: { version: 1 } });

    // Until the one refresh has written version 2, requests get the stale version 1.
    let refreshed: Timed<Reply> | undefined;
    await waitFor(
      async () => {
        const reply = await get(id);
        if ((reply.value.body as { version: number }).version === 1) {
          expect(reply.value).toMatchObject({ status: 200, cache: 'STALE' });
          return false;
        }
        refreshed = reply;
        return true;
      },
      5_000,
      'the refreshed entry',
    );
    // The refresh started during the STALE request, so version 2 is fresh until stale.before +
    // TTL_MS at least: a request done by then is certainly a HIT (and, being one, starts no refresh).
    expect(refreshed!.value).toMatchObject({ status: 200, body: { version: 2 } });
    if (refreshed!.after < stale.before + TTL_MS) expect(refreshed!.value.cache).toBe('HIT');
    else expect(['HIT', 'STALE']).toContain(refreshed!.value.cache);
    // However many STALE answers were served meanwhile, one refresh ran.
    if (refreshed!.value.cache === 'HIT') expect(loads.get(id)).toBe(2);
  });
});
