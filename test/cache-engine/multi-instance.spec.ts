import 'reflect-metadata';
import { jest } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { LeaseLock } from '../../lib/engine/cache/lease-lock.js';
import { StoreModule, StoreService, type StoreModuleOptions } from '../../lib/index.js';
import { waitFor } from '../contract/store-fixture.js';
import { harnessInfo } from '../support/harness-info.js';
import { testKeyPrefix } from '../support/key-prefix.js';
import { startStandalone } from '../support/redis-servers.js';
import { sleepUntil, timed } from '../support/timing.js';

/** Several app instances on one Redis, as in a deployment with replicas. */
class Instances {
  private readonly apps: INestApplicationContext[] = [];

  async open(count: number, options: StoreModuleOptions): Promise<StoreService[]> {
    const apps = await Promise.all(
      Array.from({ length: count }, () =>
        NestFactory.createApplicationContext(StoreModule.forRoot(options), { logger: false }),
      ),
    );
    this.apps.push(...apps);
    return apps.map((app) => app.get(StoreService));
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.apps.splice(0).map((app) => app.close()));
  }
}

const prefix = () => testKeyPrefix('multi');

/**
 * Counts the lease-lock acquisitions that found the lock already held (calling through), so a
 * loader can hold on until another instance is observably waiting for it, however slow the machine.
 */
function countLockRefusals(): { readonly refused: number } {
  const acquire = LeaseLock.acquire.bind(LeaseLock);
  const counter = { refused: 0 };
  jest.spyOn(LeaseLock, 'acquire').mockImplementation(async (...args) => {
    const lock = await acquire(...args);
    if (lock === null) counter.refused += 1;
    return lock;
  });
  return counter;
}

describe('getOrSet across instances (Redis)', () => {
  const instances = new Instances();
  afterEach(async () => {
    jest.restoreAllMocks();
    await instances.closeAll();
  });

  it('500 concurrent misses spread over two instances call the loader exactly once', async () => {
    const [a, b] = await instances.open(2, {
      redis: harnessInfo().standaloneUrl,
      keyPrefix: prefix(),
    });
    const lock = countLockRefusals();
    let calls = 0;
    const loader = async () => {
      calls += 1;
      // Still loading when the other instance finds the lock taken (each instance single-flights
      // its 250 calls, so that is one refusal): from then on it waits for this value.
      await waitFor(
        () => lock.refused >= 1,
        10_000,
        'the other instance to find the load lock taken',
      );
      return { report: 'expensive' };
    };
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        (i % 2 === 0 ? a : b).getOrSet('stampede', loader, { ttl: 60 }),
      ),
    );
    expect(calls).toBe(1);
    expect(results.every((result) => result.report === 'expensive')).toBe(true);
  });

  it('when the loading instance fails, a waiting instance loads instead', async () => {
    const [a, b] = await instances.open(2, {
      redis: harnessInfo().standaloneUrl,
      keyPrefix: prefix(),
    });
    const lock = countLockRefusals();
    let aStarted = false;
    const failing = async () => {
      aStarted = true;
      // Fails only once b is waiting for this load (b found the lock taken).
      await waitFor(() => lock.refused >= 1, 10_000, 'b to find the load lock taken');
      throw new Error('holder failed');
    };
    const first = a.getOrSet('takeover', failing, { ttl: 60 });
    // a's loader runs only once a holds the load lock.
    await waitFor(() => aStarted, 10_000, "a's loader to start (a holds the lock)");
    let bCalls = 0;
    const second = b.getOrSet(
      'takeover',
      async () => {
        bCalls += 1;
        return 'from-b';
      },
      { ttl: 60 },
    );
    await expect(first).rejects.toThrow('holder failed');
    expect(await second).toBe('from-b');
    expect(bCalls).toBe(1);
  });

  it('lock: false lets every instance load on its own', async () => {
    const [a, b] = await instances.open(2, {
      redis: harnessInfo().standaloneUrl,
      keyPrefix: prefix(),
    });
    let calls = 0;
    const loader = async () => {
      calls += 1;
      // Neither load finishes before both have started: b cannot pick up a's value instead.
      await waitFor(() => calls >= 2, 10_000, 'both instances to call the loader');
      return 1;
    };
    await Promise.all([
      a.getOrSet('nolock', loader, { lock: false }),
      b.getOrSet('nolock', loader, { lock: false }),
    ]);
    expect(calls).toBe(2);
  });
});

describe('L1 tier (Redis)', () => {
  const instances = new Instances();
  afterEach(() => instances.closeAll());

  it('serves hits from process memory, without a round trip to Redis', async () => {
    const keyPrefix = prefix();
    const [store] = await instances.open(1, {
      redis: harnessInfo().standaloneUrl,
      keyPrefix,
      l1: { maxEntries: 100, ttl: '1m' },
    });
    await store.getOrSet('l1-hit', () => 'v1', { ttl: 60 });
    const raw = new Redis(harnessInfo().standaloneUrl);
    await raw.del(`${keyPrefix}l1-hit`);
    await raw.quit();
    expect(await store.getOrSetWithStatus('l1-hit', () => 'reloaded', { ttl: 60 })).toEqual({
      value: 'v1',
      status: 'hit',
    });
    expect(await store.get('l1-hit')).toBe('v1');
    expect(await store.getOrSet('l1-hit', () => 'reloaded', { ttl: 60, l1: false })).toBe(
      'reloaded',
    );
  });

  it('never keeps a value past its TTL', async () => {
    const [store] = await instances.open(1, {
      redis: harnessInfo().standaloneUrl,
      keyPrefix: prefix(),
      l1: true,
    });
    // Written (to Redis and L1, with its 100 ms TTL) before getOrSet resolved, at `written.after` at the latest.
    const written = await timed(() => store.getOrSet('l1-ttl', () => 'v1', { ttl: '100ms' }));
    expect(written.value).toBe('v1');
    // Past the TTL by measurement (+2 ms: Redis expires a key the ms after its PX runs out, and
    // lru-cache counts on performance.now(), not Date.now()).
    await sleepUntil(written.after + 100 + 2);
    expect(await store.getOrSet('l1-ttl', () => 'v2', { ttl: '100ms' })).toBe('v2');
  });

  it('stays coherent across instances on set, delete, tag invalidation and pattern delete', async () => {
    const options = { redis: harnessInfo().standaloneUrl, keyPrefix: prefix(), l1: true } as const;
    const [a, b] = await instances.open(2, options);
    await a.set('profile', 'v1', { tags: ['user:1'] });
    expect(await b.get('profile')).toBe('v1');

    await a.set('profile', 'v2', { tags: ['user:1'] });
    await waitFor(async () => (await b.get('profile')) === 'v2', 5_000, 'b to see the new value');

    await a.invalidateTags(['user:1']);
    await waitFor(
      async () => (await b.get('profile')) === null,
      5_000,
      'b to drop the invalidated value',
    );

    await b.getOrSet('report', () => 'r1', { ttl: 60 });
    expect(await a.get('report')).toBe('r1');
    await b.delete('report');
    await waitFor(
      async () => (await a.get('report')) === null,
      5_000,
      'a to drop the deleted value',
    );

    await a.set('page:1', 'p1');
    expect(await b.get('page:1')).toBe('p1');
    await a.deleteByPattern('page:*');
    await waitFor(
      async () => (await b.get('page:1')) === null,
      5_000,
      'b to drop the pattern-deleted value',
    );
  });

  it('clears L1 after the bus reconnects, since invalidations may have been missed', async () => {
    const server = await startStandalone();
    try {
      const [store] = await instances.open(1, { redis: server.url, l1: true, commandTimeout: 500 });
      await store.getOrSet('cached', () => 'before');
      expect(await store.get('cached')).toBe('before');
      await server.kill();
      // While Redis is away, L1 still answers.
      expect(await store.get('cached')).toBe('before');
      await server.restart();
      // The restarted server is empty; once the bus is back, L1 no longer serves the old value.
      await waitFor(
        () =>
          store.get('cached').then(
            (value) => value === null,
            () => false,
          ),
        15_000,
        'L1 to be cleared',
      );
    } finally {
      await instances.closeAll();
      await server.stop();
    }
  });
});
