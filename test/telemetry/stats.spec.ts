/** `StoreService.stats()`: what traffic moves, on the memory driver and Redis, and when it starts collecting. */
import 'reflect-metadata';
import { channel } from 'node:diagnostics_channel';
import {
  CACHE_HIT_CHANNEL,
  PUBSUB_DELIVERED_CHANNEL,
  RATE_LIMIT_ALLOWED_CHANNEL,
  RateLimiterService,
  type StoreStats,
} from '../../lib/index.js';
import { StoreFixtures, waitFor } from '../contract/store-fixture.js';
import { DRIVERS } from './channel-probe.js';

describe.each(DRIVERS)('store.stats() (%s)', (_driver, connection) => {
  const fixtures = new StoreFixtures(connection);
  afterAll(() => fixtures.closeAll());

  it('counts cache hits, misses, loads and L1 hits, shared by the namespaces', async () => {
    const { store } = await fixtures.open({ l1: true, waitForConnection: true });
    const before = store.stats();
    expect(before.cache).toMatchObject({ hits: 0, misses: 0, stale: 0, fallbacks: 0 });
    expect(before.cache.hitRate).toBeNull();
    expect(before.connection).toBe('connected');

    await store.getOrSet('a', () => 1, { ttl: 60 }); // miss: loaded
    await store.namespace('t').getOrSet('a', () => 2, { ttl: 60 }); // miss in the namespace
    await store.getOrSet('a', () => 3, { ttl: 60 }); // from L1
    await store.set('b', 1, { ttl: 60 });
    await store.get('b'); // a get from Redis: nothing to count
    await store.get('b'); // kept in L1 by the first get: an L1 hit

    const stats = store.stats();
    expect(stats.cache).toMatchObject({ hits: 0, misses: 2, stale: 0, hitRate: 0 });
    expect(stats.cache.load.count).toBe(2);
    expect(stats.cache.load.p99).toBeGreaterThanOrEqual(stats.cache.load.p50);
    expect(stats.l1).not.toBeNull();
    expect(stats.l1!.hits).toBeGreaterThanOrEqual(1);
    expect(stats.l1!.entries).toBeGreaterThanOrEqual(2);
    expect(stats.l1!.hitRate).toBeGreaterThan(0);
    expect(store.namespace('t').stats().cache.misses).toBe(2);
  });

  it('counts a hit from the store without L1, and its hit rate', async () => {
    const { store } = await fixtures.open();
    store.stats();
    await store.getOrSet('k', () => 1, { ttl: 60 });
    await store.getOrSet('k', () => 2, { ttl: 60 });
    await store.getOrSet('k', () => 3, { ttl: 60 });
    const stats = store.stats();
    expect(stats.cache).toMatchObject({ hits: 2, misses: 1, hitRate: 2 / 3 });
    expect(stats.l1).toBeNull();
  });

  it('counts rate-limit outcomes per policy, with check latency', async () => {
    const { store, app } = await fixtures.open();
    const limiter = app.get(RateLimiterService);
    store.stats();
    const policy = { name: 'login', limit: 2, window: '1m' } as const;
    for (let i = 0; i < 3; i++) await limiter.consume('ip-1', policy);
    await limiter.consume('ip-1', { name: 'api', limit: 10, window: '1m' });

    const stats = store.stats();
    expect(stats.rateLimit.policies).toEqual({
      login: { allowed: 2, refused: 1, unavailable: 0 },
      api: { allowed: 1, refused: 0, unavailable: 0 },
    });
    expect(stats.rateLimit.check.count).toBe(4);
    expect(stats.rateLimit.check.max).toBeGreaterThanOrEqual(stats.rateLimit.check.p50);
  });

  it('counts pub/sub messages delivered and skipped', async () => {
    const { store } = await fixtures.open();
    store.stats();
    const received: unknown[] = [];
    const subscription = store
      .channel<string>('news')
      .subscribe((message) => received.push(message));
    try {
      await waitFor(
        async () => {
          await store.publish('news', 'hello');
          return received.length > 0;
        },
        10_000,
        'a delivered message',
      );
      await waitFor(() => store.stats().pubsub.delivered >= 1, 10_000, 'delivered counted');
      expect(store.stats().pubsub.skipped).toBe(0);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('counts a stale answer within the grace period', async () => {
    const { store } = await fixtures.open();
    store.stats();
    const options = { ttl: '50ms', grace: '30s' } as const;
    let version = 0;
    await store.getOrSet('s', () => ++version, options);
    await waitFor(
      async () =>
        (await store.getOrSetWithStatus('s', () => ++version, options)).status === 'stale',
      10_000,
      'a stale answer',
    );
    expect(store.stats().cache.stale).toBeGreaterThanOrEqual(1);
  });

  it('counts a message skipped because it could not be read', async () => {
    const { store, driver, prefix } = await fixtures.open();
    store.stats();
    const received: string[] = [];
    await store.subscribe<string>('raw', (message) => {
      received.push(message);
    });
    await waitFor(
      async () => {
        await driver.publish(`${prefix}raw`, '{broken');
        await store.publish('raw', 'after');
        return received.includes('after');
      },
      10_000,
      'the readable message after the broken one',
    );
    await waitFor(() => store.stats().pubsub.skipped >= 1, 10_000, 'the skipped message counted');
  });

  it('counts stream deliveries and acknowledgements', async () => {
    const { store } = await fixtures.open();
    store.stats();
    const handled: number[] = [];
    const subscription = store
      .stream<{ n: number }>('jobs', { group: 'workers', consumer: 'c1', startFrom: '0' })
      .subscribe((message) => {
        handled.push(message.message.n);
        void message.ack();
      });
    try {
      await store.append('jobs', { n: 1 });
      await store.append('jobs', { n: 2 });
      await waitFor(() => store.stats().streams.acked >= 2, 10_000, 'two deliveries acknowledged');
      expect(handled).toEqual([1, 2]);
      expect(store.stats().streams.delivered).toBeGreaterThanOrEqual(2);
    } finally {
      subscription.unsubscribe();
    }
  });

  it("ignores other stores' events (another keyPrefix)", async () => {
    const { store } = await fixtures.open();
    const { store: other } = await fixtures.open();
    store.stats();
    await other.getOrSet('x', () => 1, { ttl: 60 });
    expect(store.stats().cache.misses).toBe(0);
    expect(other.stats().cache.misses).toBe(0); // collecting only from its first stats() call
  });
});

describe('stats collection costs nothing until used', () => {
  const fixtures = new StoreFixtures(() => ({ driver: 'memory' }));
  afterAll(() => fixtures.closeAll());

  const watched = [CACHE_HIT_CHANNEL, RATE_LIMIT_ALLOWED_CHANNEL, PUBSUB_DELIVERED_CHANNEL];
  const listening = () => watched.map((name) => channel(name).hasSubscribers);

  it('subscribes to no channel before the first stats() call, and lets go at shutdown', async () => {
    const before = listening();
    // The spec relies on no other subscriber in this worker: a fresh store must leave them idle.
    expect(before).toEqual([false, false, false]);
    const { store, app } = await fixtures.open();
    await store.getOrSet('k', () => 1);
    expect(listening()).toEqual([false, false, false]);

    const first: StoreStats = store.stats();
    expect(first.cache.misses).toBe(0);
    expect(listening()).toEqual([true, true, true]);

    await app.close();
    expect(listening()).toEqual([false, false, false]);
  });
});
