import 'reflect-metadata';
import {
  CACHE_HIT_CHANNEL,
  CACHE_L1_HIT_CHANNEL,
  CACHE_LOAD_TRACING_CHANNEL,
  CACHE_MISS_CHANNEL,
  CACHE_STALE_CHANNEL,
  type CacheL1HitEvent,
  type CacheLoadContext,
  type CacheLookupEvent,
} from '../../lib/index.js';
import { waitFor } from '../contract/store-fixture.js';
import { DRIVERS, telemetrySuite } from './channel-probe.js';

describe.each(DRIVERS)('cache telemetry (%s)', (_driver, connection) => {
  const { fixtures, probe } = telemetrySuite(connection);

  it('publishes a miss, then a hit, naming the key, its Redis key and the wait', async () => {
    const { store, prefix } = await fixtures.open();
    const hits = probe.listen<CacheLookupEvent>(CACHE_HIT_CHANNEL);
    const misses = probe.listen<CacheLookupEvent>(CACHE_MISS_CHANNEL);
    const named = {
      keyPrefix: prefix,
      namespace: '',
      key: 'user:1',
      redisKey: `${prefix}user:1`,
      durationMs: expect.any(Number),
    };

    await store.getOrSet('user:1', () => ({ id: 1 }), { ttl: 60 });
    expect(misses).toEqual([{ ...named, status: 'miss' }]);
    expect(hits).toEqual([]);

    await store.getOrSetWithStatus('user:1', () => ({ id: 2 }), { ttl: 60 });
    expect(hits).toEqual([{ ...named, status: 'hit' }]);
    expect(misses).toHaveLength(1);
    expect(hits[0].durationMs).toBeGreaterThanOrEqual(0);
  });

  it('names the namespace the call was made in', async () => {
    const { store, prefix } = await fixtures.open();
    const misses = probe.listen<CacheLookupEvent>(CACHE_MISS_CHANNEL);
    await store
      .namespace('tenant1')
      .namespace('eu')
      .getOrSet('k', () => 1);
    expect(misses).toEqual([
      expect.objectContaining({
        keyPrefix: prefix,
        namespace: 'tenant1:eu',
        key: 'k',
        redisKey: `${prefix}tenant1:eu:k`,
      }),
    ]);
  });

  it('publishes a stale answer within the grace period', async () => {
    const { store, prefix } = await fixtures.open();
    const stale = probe.listen<CacheLookupEvent>(CACHE_STALE_CHANNEL);
    const options = { ttl: '50ms', grace: '30s' } as const;
    let version = 0;
    await store.getOrSet('s', () => ++version, options);
    await waitFor(
      async () =>
        (await store.getOrSetWithStatus('s', () => ++version, options)).status === 'stale',
      10_000,
      'a stale answer',
    );
    expect(stale).toContainEqual({
      keyPrefix: prefix,
      namespace: '',
      key: 's',
      redisKey: `${prefix}s`,
      status: 'stale',
      durationMs: expect.any(Number),
    });
  });

  it('traces each load on the cache.load TracingChannel, with its result or error', async () => {
    const { store, prefix } = await fixtures.open();
    const trace = probe.trace<CacheLoadContext>(CACHE_LOAD_TRACING_CHANNEL);

    // Only this store's loads: a background refresh of an earlier test may still be running.
    const of = (key: string) =>
      trace.events.filter((e) => e.context.redisKey === `${prefix}${key}`);

    await store.getOrSet('loaded', async () => 'value');
    expect(of('loaded').map((e) => e.event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    expect(of('loaded')[0].context).toEqual({
      keyPrefix: prefix,
      namespace: '',
      key: 'loaded',
      redisKey: `${prefix}loaded`,
    });
    expect(of('loaded')[3].context).toMatchObject({ key: 'loaded', result: 'value' });

    const failure = new Error('loader failed');
    await expect(store.getOrSet('failing', () => Promise.reject(failure))).rejects.toBe(failure);
    expect(of('failing').find((e) => e.event === 'error')?.context).toMatchObject({
      key: 'failing',
      error: failure,
    });
  });

  it('publishes L1 hits of get and getOrSet, and no store hit for them', async () => {
    const { store, prefix } = await fixtures.open({ l1: true });
    const l1Hits = probe.listen<CacheL1HitEvent>(CACHE_L1_HIT_CHANNEL);
    const hits = probe.listen<CacheLookupEvent>(CACHE_HIT_CHANNEL);
    await store.getOrSet('kept', () => 'v', { ttl: 60 });
    expect(l1Hits).toEqual([]);

    expect(await store.getOrSet('kept', () => 'other', { ttl: 60 })).toBe('v');
    expect(await store.get('kept')).toBe('v');
    const named = { keyPrefix: prefix, namespace: '', key: 'kept', redisKey: `${prefix}kept` };
    expect(l1Hits).toEqual([
      { ...named, operation: 'getOrSet' },
      { ...named, operation: 'get' },
    ]);
    expect(hits).toEqual([]);
  });
});
