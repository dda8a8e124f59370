import { jest } from '@jest/globals';
import {
  StoreCommandError,
  StoreInvalidKeyError,
  StoreInvalidTtlError,
  StoreLoaderTimeoutError,
  StoreSerializationError,
  StoreUnsupportedError,
  StoreValidationError,
  StoreValueTooLargeError,
  type StoreModuleOptions,
  type StoreService,
} from '../../lib/index.js';
import {
  StoreFixtures,
  openForSuite,
  receiverCount,
  sleep,
  waitFor,
  type StoreFixture,
} from './store-fixture.js';

/** Where a backend legitimately differs from the others. */
export interface ContractTraits {
  /** Redis Cluster: PUBLISH counts only the subscribers connected to the node that received it. */
  nodeLocalPublishCount?: boolean;
}

/**
 * The behaviour of `StoreService`, identical on every driver. Each driver's spec calls this with a
 * way to connect; the memory driver is held to exactly what Redis does.
 */
export function describeStoreContract(
  driverName: string,
  connection: () => StoreModuleOptions,
  traits: ContractTraits = {},
): void {
  /** PUBLISH's receiver count, or any count where the server only counts its own node's subscribers. */
  const receivers = receiverCount(traits.nodeLocalPublishCount);

  describe(`StoreService contract: ${driverName}`, () => {
    const fixtures = new StoreFixtures(connection);
    let fixture: StoreFixture;
    let store: StoreService;
    openForSuite(fixtures, (opened) => {
      fixture = opened;
      store = opened.store;
    });

    describe('get / set', () => {
      it.each([
        ['an object', { id: 1, name: 'Ada', tags: ['x'], nested: { ok: true } }],
        ['an array', [1, 'two', null]],
        ['a string', 'hello ✓ 漢字'],
        ['a number', 42.5],
        ['false', false],
        ['an empty string', ''],
      ])('round-trips %s', async (_label, value) => {
        await store.set('roundtrip', value);
        expect(await store.get('roundtrip')).toEqual(value);
      });

      it.each([
        ['NaN', { n: Number.NaN }, 'value.n'],
        ['Infinity', [1, Number.POSITIVE_INFINITY], 'value[1]'],
        ['a Date', { at: new Date('2026-01-02T03:04:05Z') }, 'value.at'],
        ['a Map', new Map([['k', 1]]), 'value'],
        ['a Set', { seen: new Set([1]) }, 'value.seen'],
        [
          'a class instance',
          new (class Point {
            x = 1;
          })(),
          'value',
        ],
        ['undefined inside an object', { a: 1, b: undefined }, 'value.b'],
        ['a function inside an array', [1, () => 2], 'value[1]'],
      ])(
        'refuses %s (JSON would read back something else) with StoreSerializationError naming where, writing nothing',
        async (_label, value, where) => {
          const error = await store.set('lossy', value).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(StoreSerializationError);
          expect(String((error as Error).message)).toContain(where);
          expect(await store.has('lossy')).toBe(false);
          await expect(store.getOrSet('lossy', () => value)).rejects.toBeInstanceOf(
            StoreSerializationError,
          );
          expect(await store.has('lossy')).toBe(false);
          await expect(store.publish('lossy', value)).rejects.toBeInstanceOf(
            StoreSerializationError,
          );
        },
      );

      it('stores what JSON gives back exactly, including null-prototype objects and nested arrays', async () => {
        const bare = Object.assign(Object.create(null) as Record<string, unknown>, {
          a: [1, [2, { b: null }]],
          c: -5.25,
          d: 'x',
        });
        await store.set('exact', bare);
        expect(await store.get('exact')).toEqual({ a: [1, [2, { b: null }]], c: -5.25, d: 'x' });
      });

      it('returns null for a missing key', async () => {
        expect(await store.get('never-written')).toBeNull();
      });

      it('overwrites, and a later set without TTL removes the old TTL', async () => {
        await store.set('overwrite', 1, { ttl: 60 });
        await store.set('overwrite', 2);
        expect(await store.get('overwrite')).toBe(2);
        expect(await store.ttl('overwrite')).toBe(-1);
      });

      it('expires a value after a TTL given in seconds', async () => {
        const before = Date.now();
        await store.set('ttl-seconds', 'v', { ttl: 0.2 });
        const read = await store.get('ttl-seconds');
        // Only a read that surely came within the TTL must still see the value (a busy machine may stall).
        if (Date.now() - before < 200) expect(read).toBe('v');
        await waitFor(
          async () => (await store.get('ttl-seconds')) === null,
          5_000,
          'the value to expire',
        );
        expect(Date.now() - before).toBeGreaterThanOrEqual(190);
      });

      it('accepts duration strings, sub-second ones with millisecond precision', async () => {
        const before = Date.now();
        await store.set('ttl-ms', 'v', { ttl: '250ms' });
        const remaining = await store.ttl('ttl-ms');
        if (Date.now() - before < 250) expect(remaining).toBeGreaterThan(0);
        expect(remaining ?? 0).toBeLessThanOrEqual(0.25);
        await store.set('ttl-minutes', 'v', { ttl: '5m' });
        expect(await store.ttl('ttl-minutes')).toBeGreaterThan(299);
        await waitFor(
          async () => (await store.get('ttl-ms')) === null,
          5_000,
          'the value to expire',
        );
        expect(Date.now() - before).toBeGreaterThanOrEqual(240);
      });

      it('applies defaultTtl to writes that name none', async () => {
        const { store: withDefault } = await fixtures.open({ defaultTtl: '1h' });
        await withDefault.set('default-ttl', 1);
        const remaining = await withDefault.ttl('default-ttl');
        expect(remaining).toBeGreaterThan(3590);
        expect(remaining).toBeLessThanOrEqual(3600);
      });
    });

    describe('delete / has', () => {
      it('deletes one key or many and counts the ones that existed', async () => {
        await store.mset([
          { key: 'd1', value: 1 },
          { key: 'd2', value: 2 },
          { key: 'd3', value: 3 },
        ]);
        expect(await store.delete('d1')).toBe(1);
        expect(await store.delete('d1')).toBe(0);
        expect(await store.delete(['d2', 'd3', 'd-missing'])).toBe(2);
        expect(await store.delete([])).toBe(0);
        expect(await store.mget(['d1', 'd2', 'd3'])).toEqual([null, null, null]);
      });

      it('has() tells present from absent, including stored null', async () => {
        await store.set('has-null', null);
        expect(await store.has('has-null')).toBe(true);
        expect(await store.has('has-missing')).toBe(false);
      });
    });

    describe('increment / decrement', () => {
      it('starts from 0, steps by n, and is atomic under concurrency', async () => {
        expect(await store.increment('counter')).toBe(1);
        expect(await store.increment('counter', 10)).toBe(11);
        expect(await store.decrement('counter', 3)).toBe(8);
        expect(await store.decrement('counter')).toBe(7);
        await Promise.all(Array.from({ length: 200 }, () => store.increment('counter-concurrent')));
        expect(await store.get('counter-concurrent')).toBe(200);
      });

      it('keeps the TTL of the counter', async () => {
        await store.increment('counter-ttl');
        await store.expire('counter-ttl', 60);
        await store.increment('counter-ttl');
        expect(await store.ttl('counter-ttl')).toBeGreaterThan(59);
      });

      it('rejects a non-integer stored value with StoreCommandError (replyCode ERR) and leaves it unchanged', async () => {
        await store.set('not-a-counter', { a: 1 });
        const refused = await store.increment('not-a-counter').catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(StoreCommandError);
        expect(refused).toMatchObject({ code: 'STORE_COMMAND', replyCode: 'ERR' });
        await store.set('float-counter', 1.5);
        await expect(store.increment('float-counter')).rejects.toBeInstanceOf(StoreCommandError);
        expect(await store.get('not-a-counter')).toEqual({ a: 1 });
      });

      it.each([[1.5], [Number.NaN], ['1'], [2 ** 60]])(
        'rejects the step %p and writes nothing',
        async (by) => {
          await expect(store.increment('bad-step', by as number)).rejects.toBeInstanceOf(
            StoreValidationError,
          );
          expect(await store.has('bad-step')).toBe(false);
        },
      );
    });

    describe('expire / ttl', () => {
      it('sets a TTL on an existing key and reports false for a missing one', async () => {
        await store.set('expire-me', 1);
        const expiredAfter = Date.now();
        expect(await store.expire('expire-me', '150ms')).toBe(true);
        expect(await store.expire('expire-missing', 10)).toBe(false);
        expect(await store.has('expire-missing')).toBe(false);
        await waitFor(
          async () => (await store.get('expire-me')) === null,
          5_000,
          'the key to expire',
        );
        expect(Date.now() - expiredAfter).toBeGreaterThanOrEqual(140);
      });

      it('reports null for a missing key and -1 for a key without expiry', async () => {
        await store.set('no-expiry', 1);
        expect(await store.ttl('no-expiry')).toBe(-1);
        expect(await store.ttl('ttl-missing')).toBeNull();
      });
    });

    describe('mget / mset', () => {
      it('reads and writes many keys, across hash slots, keeping order', async () => {
        const keys = Array.from({ length: 50 }, (_, i) => `multi:${i}`);
        await store.mset(keys.map((key, i) => ({ key, value: { i } })));
        const values = await store.mget<{ i: number }>([...keys, 'multi:missing']);
        expect(values).toEqual([...keys.map((_, i) => ({ i })), null]);
        expect(await store.mget([])).toEqual([]);
      });

      it('applies each entry its own TTL and tags', async () => {
        await store.mset([
          { key: 'mset-ttl', value: 1, ttl: '150ms' },
          { key: 'mset-tag', value: 2, tags: ['mset-tag'] },
          { key: 'mset-plain', value: 3 },
        ]);
        await store.invalidateTags(['mset-tag']);
        await sleep(250);
        expect(await store.mget(['mset-ttl', 'mset-tag', 'mset-plain'])).toEqual([null, null, 3]);
      });

      it('writes nothing when any entry is invalid', async () => {
        await expect(
          store.mset([
            { key: 'mset-ok', value: 1 },
            { key: 'mset-bad', value: undefined },
          ]),
        ).rejects.toBeInstanceOf(StoreSerializationError);
        await expect(
          store.mset([
            { key: 'mset-ok', value: 1 },
            { key: '', value: 1 },
          ]),
        ).rejects.toBeInstanceOf(StoreInvalidKeyError);
        await expect(store.mset([{ key: 'mset-ok', value: 1, ttl: -1 }])).rejects.toBeInstanceOf(
          StoreInvalidTtlError,
        );
        await expect(store.mset('nope' as never)).rejects.toBeInstanceOf(StoreValidationError);
        expect(await store.has('mset-ok')).toBe(false);
      });
    });

    describe('getOrSet', () => {
      it('loads on a miss, serves the stored value on a hit', async () => {
        const loader = jest.fn(async () => ({ loaded: true }));
        expect(await store.getOrSet('gos', loader, { ttl: 60 })).toEqual({ loaded: true });
        expect(await store.getOrSet('gos', loader, { ttl: 60 })).toEqual({ loaded: true });
        expect(loader).toHaveBeenCalledTimes(1);
        expect(await store.ttl('gos')).toBeGreaterThan(59);
      });

      it('calls the loader once for concurrent misses of one key', async () => {
        let calls = 0;
        const loader = async () => {
          calls += 1;
          await sleep(50);
          return 'shared';
        };
        const results = await Promise.all(
          Array.from({ length: 100 }, () => store.getOrSet('gos-flight', loader)),
        );
        expect(new Set(results)).toEqual(new Set(['shared']));
        expect(calls).toBe(1);
      });

      it('does not cache a loader error, and the next call loads again', async () => {
        await expect(
          store.getOrSet('gos-error', async () => Promise.reject(new Error('db down'))),
        ).rejects.toThrow('db down');
        expect(await store.has('gos-error')).toBe(false);
        expect(await store.getOrSet('gos-error', () => 'ok')).toBe('ok');
      });

      it('returns undefined from a loader without storing it', async () => {
        expect(await store.getOrSet('gos-undefined', () => undefined)).toBeUndefined();
        expect(await store.has('gos-undefined')).toBe(false);
      });

      it('recomputes a stored value that the serializer cannot read', async () => {
        await fixture.driver.set(`${fixture.prefix}gos-corrupt`, '{not json');
        expect(await store.getOrSet('gos-corrupt', () => 'fresh')).toBe('fresh');
        expect(await store.get('gos-corrupt')).toBe('fresh');
      });

      it('never serves a value computed before its tag was invalidated during the load', async () => {
        const value = await store.getOrSet(
          'gos-race',
          async () => {
            await store.invalidateTags(['gos-race-tag']);
            return 'computed-from-old-data';
          },
          { tags: ['gos-race-tag'] },
        );
        expect(value).toBe('computed-from-old-data');
        expect(await store.get('gos-race')).toBeNull();
      });

      it('rejects bad arguments before calling the loader', async () => {
        const loader = jest.fn(() => 1);
        await expect(store.getOrSet('', loader)).rejects.toBeInstanceOf(StoreInvalidKeyError);
        await expect(store.getOrSet('gos-bad', 'x' as never)).rejects.toBeInstanceOf(
          StoreValidationError,
        );
        await expect(
          store.getOrSet('gos-bad', loader, { ttl: 'soon' as never }),
        ).rejects.toBeInstanceOf(StoreInvalidTtlError);
        expect(loader).not.toHaveBeenCalled();
      });

      it('rejects an unstorable loader result with a typed error and stores nothing', async () => {
        await expect(store.getOrSet('gos-bigint', () => 1n)).rejects.toBeInstanceOf(
          StoreSerializationError,
        );
        expect(await store.has('gos-bigint')).toBe(false);
      });
    });

    describe('getOrSet freshness', () => {
      const counted = (values: string[], delayMs = 0) => {
        const loader = async () => {
          loader.calls += 1;
          if (delayMs > 0) await sleep(delayMs);
          const next = values[Math.min(loader.calls - 1, values.length - 1)];
          if (next === 'throw') throw new Error('loader failed');
          return next;
        };
        loader.calls = 0;
        return loader;
      };

      it('reports hit and miss', async () => {
        const loader = counted(['v1']);
        expect(await store.getOrSetWithStatus('fresh-status', loader, { ttl: 60 })).toEqual({
          value: 'v1',
          status: 'miss',
        });
        expect(await store.getOrSetWithStatus('fresh-status', loader, { ttl: 60 })).toEqual({
          value: 'v1',
          status: 'hit',
        });
      });

      it('after the TTL without grace, loads again; get() and has() see the value expire with its TTL', async () => {
        const loader = counted(['v1', 'v2']);
        await store.getOrSet('fresh-nograce', loader, { ttl: '150ms' });
        await sleep(200);
        expect(await store.get('fresh-nograce')).toBeNull();
        expect(await store.getOrSetWithStatus('fresh-nograce', loader, { ttl: '150ms' })).toEqual({
          value: 'v2',
          status: 'miss',
        });
      });

      it('within grace, serves the stale value at once while one refresh runs', async () => {
        const loader = counted(['v1', 'v2'], 50);
        await store.getOrSet('swr', loader, { ttl: '100ms', grace: '10s' });
        await sleep(150);
        expect(await store.get('swr')).toBeNull();
        // The refresh writes with the options of the call that started it: fresh for 10 s, so the
        // polling below sees v2 however slowly it runs.
        const stale = await Promise.all(
          [1, 2, 3].map(() =>
            store.getOrSetWithStatus('swr', loader, { ttl: '10s', grace: '10s' }),
          ),
        );
        expect(stale).toEqual([1, 2, 3].map(() => ({ value: 'v1', status: 'stale' })));
        await waitFor(async () => (await store.get('swr')) === 'v2', 5_000, 'the refreshed value');
        expect(loader.calls).toBe(2);
      });

      it('within grace, serves stale instead of a loader error', async () => {
        const loader = counted(['v1', 'throw']);
        await store.getOrSet('stale-on-error', loader, { ttl: '100ms', grace: '10s' });
        await sleep(150);
        expect(
          await store.getOrSetWithStatus('stale-on-error', loader, { ttl: '100ms', grace: '10s' }),
        ).toEqual({ value: 'v1', status: 'stale' });
        await waitFor(() => loader.calls === 2, 5_000, 'the failed refresh');
        expect(
          await store.getOrSetWithStatus('stale-on-error', loader, { ttl: '100ms', grace: '10s' }),
        ).toMatchObject({ value: 'v1' });
      });

      it('softTimeout: waits that long for the refresh, then serves stale', async () => {
        const slow = counted(['v1', 'v2'], 300);
        await store.getOrSet('soft-slow', slow, { ttl: '100ms', grace: '10s' });
        await sleep(150);
        expect(
          await store.getOrSetWithStatus('soft-slow', slow, {
            ttl: '100ms',
            grace: '10s',
            softTimeout: '30ms',
          }),
        ).toEqual({ value: 'v1', status: 'stale' });
        const quick = counted(['v1', 'v2'], 10);
        await store.getOrSet('soft-quick', quick, { ttl: '100ms', grace: '10s' });
        await sleep(150);
        expect(
          await store.getOrSetWithStatus('soft-quick', quick, {
            ttl: '100ms',
            grace: '10s',
            softTimeout: '2s',
          }),
        ).toEqual({ value: 'v2', status: 'miss' });
      });

      it('hardTimeout: rejects with StoreLoaderTimeoutError, and the late result is still stored', async () => {
        const loader = counted(['late'], 300);
        const error = await store
          .getOrSet('hard', loader, { ttl: 60, hardTimeout: '30ms' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreLoaderTimeoutError);
        expect(error).toMatchObject({ key: 'hard', timeoutMs: 30 });
        await waitFor(async () => (await store.get('hard')) === 'late', 5_000, 'the late value');
        expect(loader.calls).toBe(1);
      });

      it('early refresh by threshold recomputes in the background before expiry', async () => {
        const loader = counted(['v1', 'v2']);
        const options = { ttl: 1, earlyRefresh: { threshold: 0.9 } };
        await store.getOrSet('early-threshold', loader, options);
        await sleep(150);
        expect(await store.getOrSetWithStatus('early-threshold', loader, options)).toEqual({
          value: 'v1',
          status: 'hit',
        });
        await waitFor(
          async () => (await store.get('early-threshold')) === 'v2',
          5_000,
          'the early refresh',
        );
        expect(loader.calls).toBe(2);
      });

      it('early refresh by XFetch refreshes keys that are slow to compute', async () => {
        const loader = counted(['v1', 'v2'], 20);
        const options = { ttl: 60, earlyRefresh: { beta: 1e9 } };
        await store.getOrSet('early-xfetch', loader, options);
        expect(await store.getOrSetWithStatus('early-xfetch', loader, options)).toEqual({
          value: 'v1',
          status: 'hit',
        });
        await waitFor(
          async () => (await store.get('early-xfetch')) === 'v2',
          5_000,
          'the XFetch refresh',
        );
        const rare = counted(['r1', 'r2']);
        await store.getOrSet('early-rare', rare, { ttl: 60, earlyRefresh: true });
        await store.getOrSet('early-rare', rare, { ttl: 60, earlyRefresh: true });
        expect(rare.calls).toBe(1);
      });

      it.each([
        [{ grace: 0 }, StoreInvalidTtlError],
        [{ softTimeout: 'soon' }, StoreInvalidTtlError],
        [{ earlyRefresh: { threshold: 2 } }, StoreValidationError],
        [{ earlyRefresh: { beta: -1 } }, StoreValidationError],
        [{ lock: 'yes' }, StoreValidationError],
      ])('rejects the options %p before loading', async (options, errorType) => {
        const loader = counted(['x']);
        await expect(store.getOrSet('fresh-bad', loader, options as never)).rejects.toBeInstanceOf(
          errorType,
        );
        expect(loader.calls).toBe(0);
      });
    });

    describe('tags', () => {
      it('invalidates every entry carrying a tag and nothing else', async () => {
        await store.set('user:1', { id: 1 }, { tags: ['users', 'user:1'] });
        await store.set('user:2', { id: 2 }, { tags: ['users', 'user:2'] });
        await store.set('post:1', { id: 1 }, { tags: ['posts'] });
        await store.invalidateTags(['user:1']);
        expect(await store.get('user:1')).toBeNull();
        expect(await store.has('user:1')).toBe(false);
        expect(await store.get('user:2')).toEqual({ id: 2 });
        await store.invalidateTags(['users']);
        expect(await store.mget(['user:1', 'user:2', 'post:1'])).toEqual([null, null, { id: 1 }]);
      });

      it('serves entries written after the invalidation', async () => {
        await store.set('retag', 'old', { tags: ['retag'] });
        await store.invalidateTags(['retag']);
        await store.set('retag', 'new', { tags: ['retag'] });
        expect(await store.get('retag')).toBe('new');
      });

      it('accepts tags that were never used, and an empty list', async () => {
        await expect(store.invalidateTags(['never-used'])).resolves.toBeUndefined();
        await expect(store.invalidateTags([])).resolves.toBeUndefined();
      });

      it('keeps a tag alive at least as long as the entries stamped with it', async () => {
        await store.set('tag-life-short', 1, { ttl: 1, tags: ['tag-life'] });
        await store.set('tag-life-long', 2, { ttl: 3600, tags: ['tag-life'] });
        const tagKey = `${fixture.prefix}__nestjs_store__:t:tag-life`;
        expect(await fixture.driver.pttl(tagKey)).toBeGreaterThan(3_590_000);
        await store.set('tag-life-forever', 3, { tags: ['tag-life'] });
        expect(await fixture.driver.pttl(tagKey)).toBe(-1);
      });

      it.each([[['']], ['users'], [[1]]])(
        'rejects the tags %p and writes nothing',
        async (tags) => {
          await expect(store.set('bad-tags', 1, { tags: tags as never })).rejects.toBeInstanceOf(
            StoreValidationError,
          );
          expect(await store.has('bad-tags')).toBe(false);
          await expect(store.invalidateTags(tags as never)).rejects.toBeInstanceOf(
            StoreValidationError,
          );
        },
      );
    });

    describe('deleteByPattern', () => {
      it('deletes matching keys of this store only, across every master', async () => {
        const { store: mine } = await fixtures.open();
        const { store: other } = await fixtures.open();
        const keys = Array.from({ length: 300 }, (_, i) => `session:${i}`);
        await mine.mset(keys.map((key) => ({ key, value: 1 })));
        await mine.set('keep:1', 1);
        await other.set('session:1', 'other');
        expect(await mine.deleteByPattern('session:*')).toBe(300);
        expect(await mine.get('keep:1')).toBe(1);
        expect(await other.get('session:1')).toBe('other');
        expect(await mine.deleteByPattern('nothing:*')).toBe(0);
      });

      it('matches with Redis glob rules', async () => {
        await store.mset(['g:a1', 'g:b1', 'g:c1', 'g:a22'].map((key) => ({ key, value: 1 })));
        expect(await store.deleteByPattern('g:[ab]?')).toBe(2);
        expect(await store.mget(['g:a1', 'g:b1', 'g:c1', 'g:a22'])).toEqual([null, null, 1, 1]);
      });

      it('rejects an empty pattern', async () => {
        await expect(store.deleteByPattern('')).rejects.toBeInstanceOf(StoreValidationError);
      });
    });

    describe('namespaces', () => {
      it('scopes keys: a namespace is the segment `name:`, and siblings never meet', async () => {
        const tenantA = store.namespace('tenant-a');
        const tenantB = store.namespace('tenant-b');
        await tenantA.set('profile', 'A');
        await tenantB.set('profile', 'B');
        await store.set('profile', 'root');
        expect(await tenantA.get('profile')).toBe('A');
        expect(await tenantB.get('profile')).toBe('B');
        expect(await store.get('profile')).toBe('root');
        // The parent names its namespaces' keys, as a folder names its sub-folders.
        expect(await store.get('tenant-a:profile')).toBe('A');
        for (const probe of ['../tenant-b:profile', ':tenant-b:profile', 'tenant-b:profile', '*']) {
          expect(await tenantA.get(probe)).toBeNull();
        }
      });

      it('nests, and a child cannot reach its parent or a sibling', async () => {
        const parent = store.namespace('parent');
        const child = parent.namespace('child');
        await child.set('secret', 's');
        await parent.set('own', 'p');
        await store.namespace('sibling').set('secret', 'x');
        expect(await parent.get('child:secret')).toBe('s');
        expect(await child.deleteByPattern('*')).toBe(1);
        expect(await parent.get('own')).toBe('p');
        expect(await store.namespace('sibling').get('secret')).toBe('x');
      });

      it.each([
        ['tenant:a'],
        ['a*'],
        ['a?b'],
        ['[a]'],
        ['a\\b'],
        ['{t}'],
        ['__nestjs_store__'],
        ['\uD800'],
      ])('rejects the namespace name %p with StoreValidationError', (name) => {
        expect(() => store.namespace(name)).toThrow(StoreValidationError);
      });

      it('keeps tags apart between namespaces', async () => {
        const a = store.namespace('tags-a');
        const b = store.namespace('tags-b');
        await a.set('item', 'a', { tags: ['shared'] });
        await b.set('item', 'b', { tags: ['shared'] });
        await a.invalidateTags(['shared']);
        expect(await a.get('item')).toBeNull();
        expect(await b.get('item')).toBe('b');
      });

      it('rejects an empty or non-string name', async () => {
        expect(() => store.namespace('')).toThrow(StoreValidationError);
        expect(() => store.namespace(42 as never)).toThrow(StoreValidationError);
      });
    });

    describe('publish / subscribe', () => {
      it('delivers deserialized messages with the channel name, and unsubscribes', async () => {
        const received: Array<[unknown, string]> = [];
        const unsubscribe = await store.subscribe('news', (message, channel) => {
          received.push([message, channel]);
        });
        expect(await store.publish('news', { headline: 'hi' })).toEqual(receivers(1));
        await waitFor(() => received.length === 1, 5_000, 'the message');
        expect(received).toEqual([[{ headline: 'hi' }, 'news']]);
        await unsubscribe();
        expect(await store.publish('news', { headline: 'gone' })).toEqual(receivers(0));
        await sleep(50);
        expect(received).toHaveLength(1);
      });

      it('shares one subscription between handlers; a throwing handler does not affect the others', async () => {
        const seen: string[] = [];
        const offA = await store.subscribe<string>('shared', () => {
          throw new Error('handler bug');
        });
        const offB = await store.subscribe<string>('shared', (message) => {
          seen.push(message);
        });
        expect(await store.publish('shared', 'one')).toEqual(receivers(1));
        await waitFor(() => seen.length === 1, 5_000, 'the message');
        await offA();
        expect(await store.publish('shared', 'two')).toEqual(receivers(1));
        await waitFor(() => seen.length === 2, 5_000, 'the second message');
        await offB();
      });

      it('skips messages the serializer cannot read and keeps delivering', async () => {
        const seen: unknown[] = [];
        const off = await store.subscribe('raw', (message) => {
          seen.push(message);
        });
        await fixture.driver.publish(`${fixture.prefix}c:raw`, '{broken');
        await store.publish('raw', 'after');
        await waitFor(() => seen.length === 1, 5_000, 'the valid message');
        expect(seen).toEqual(['after']);
        await off();
      });

      it('scopes channels to the namespace', async () => {
        const seen: unknown[] = [];
        const off = await store.namespace('room-a').subscribe('chat', (message) => {
          seen.push(message);
        });
        expect(await store.namespace('room-b').publish('chat', 'b')).toEqual(receivers(0));
        expect(await store.publish('chat', 'root')).toEqual(receivers(0));
        expect(await store.namespace('room-a').publish('chat', 'a')).toEqual(receivers(1));
        await waitFor(() => seen.length === 1, 5_000, 'the namespaced message');
        expect(seen).toEqual(['a']);
        await off();
      });

      it('rejects bad channels, handlers and messages', async () => {
        await expect(store.publish('', 1)).rejects.toBeInstanceOf(StoreValidationError);
        await expect(store.publish('c', undefined)).rejects.toBeInstanceOf(StoreSerializationError);
        await expect(store.subscribe('c', 'x' as never)).rejects.toBeInstanceOf(
          StoreValidationError,
        );
      });
    });

    describe('bad input writes nothing', () => {
      const circular: Record<string, unknown> = {};
      circular.self = circular;

      it.each([
        ['undefined', undefined],
        ['a BigInt', 10n],
        ['a circular structure', circular],
        ['a function', () => 1],
        ['a symbol', Symbol('s')],
      ])('rejects %s with StoreSerializationError naming the key', async (_label, value) => {
        const error = await store.set('bad-value', value).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreSerializationError);
        expect((error as StoreSerializationError).key).toBe('bad-value');
        expect((error as Error).message).toContain('"bad-value"');
        expect(await store.has('bad-value')).toBe(false);
      });

      it.each([[''], [42], [null], ['x'.repeat(1025)]])('rejects the key %p', async (key) => {
        await expect(store.set(key as string, 1)).rejects.toBeInstanceOf(StoreInvalidKeyError);
        await expect(store.get(key as string)).rejects.toBeInstanceOf(StoreInvalidKeyError);
        await expect(store.delete([key as string])).rejects.toBeInstanceOf(StoreInvalidKeyError);
      });

      it.each([[0], [-1], [Number.NaN], [Number.POSITIVE_INFINITY], ['10x'], [''], ['-5s'], [{}]])(
        'rejects the TTL %p naming it',
        async (ttl) => {
          const error = await store
            .set('bad-ttl', 1, { ttl: ttl as never })
            .catch((e: unknown) => e);
          expect(error).toBeInstanceOf(StoreInvalidTtlError);
          expect((error as StoreInvalidTtlError).ttl).toBe(ttl);
          await expect(store.expire('bad-ttl', ttl as never)).rejects.toBeInstanceOf(
            StoreInvalidTtlError,
          );
          expect(await store.has('bad-ttl')).toBe(false);
        },
      );

      it('rejects values over maxValueSize with the size and limit', async () => {
        const { store: small } = await fixtures.open({ maxValueSize: 100 });
        const error = await small.set('big', 'x'.repeat(200)).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreValueTooLargeError);
        expect(error).toMatchObject({ key: 'big', limit: 100 });
        expect(await small.has('big')).toBe(false);
        await small.set('multibyte-ok', '€'.repeat(30));
        await expect(small.set('multibyte-big', '€'.repeat(40))).rejects.toBeInstanceOf(
          StoreValueTooLargeError,
        );
      });

      it('rejects options that are not an object', async () => {
        await expect(store.set('bad-options', 1, 'ttl' as never)).rejects.toBeInstanceOf(
          StoreValidationError,
        );
        expect(await store.has('bad-options')).toBe(false);
      });

      it('reports a foreign value that is not valid JSON as StoreSerializationError naming the key', async () => {
        await fixture.driver.set(`${fixture.prefix}foreign`, 'plain text, not JSON');
        const error = await store.get('foreign').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreSerializationError);
        expect(error).toMatchObject({ key: 'foreign', direction: 'deserialize' });
      });

      it('treats an entry with damaged metadata as a miss', async () => {
        await fixture.driver.setHash(`${fixture.prefix}damaged`, { v: '1', f: 'not-a-number' });
        expect(await store.get('damaged')).toBeNull();
      });

      it('reports a foreign hash that is not an entry as StoreSerializationError naming the key', async () => {
        await fixture.driver.setHash(`${fixture.prefix}foreign-hash`, { name: 'not an entry' });
        await expect(store.get('foreign-hash')).rejects.toMatchObject({
          name: 'StoreSerializationError',
          key: 'foreign-hash',
        });
      });
    });

    describe('serializer', () => {
      /** Keeps Dates as Dates: what a user plugs in for types JSON loses. */
      const dateSerializer = {
        serialize: (value: unknown) =>
          JSON.stringify(value, (_key, v: unknown) =>
            typeof v === 'string' && ISO_DATE.test(v) ? `date:${v}` : v,
          ),
        deserialize: (raw: string) =>
          JSON.parse(raw, (_key, v: unknown) =>
            typeof v === 'string' && v.startsWith('date:') ? new Date(v.slice(5)) : v,
          ),
      };
      const ISO_DATE = /^\d{4}-\d{2}-\d{2}T/;

      it('round-trips values through a custom serializer, for keys, tags and messages', async () => {
        const { store: custom } = await fixtures.open({ serializer: dateSerializer });
        const value = { at: new Date('2026-01-02T03:04:05.000Z') };
        await custom.set('dated', value, { tags: ['dated'] });
        expect(await custom.get('dated')).toEqual(value);
        const seen: unknown[] = [];
        const off = await custom.subscribe('dated', (message) => {
          seen.push(message);
        });
        await custom.publish('dated', value);
        await waitFor(() => seen.length === 1, 5_000, 'the message');
        expect(seen[0]).toEqual(value);
        await off();
      });

      it('reports a serializer that returns no string as StoreSerializationError and writes nothing', async () => {
        const { store: broken } = await fixtures.open({
          serializer: { serialize: () => undefined, deserialize: JSON.parse },
        });
        await expect(broken.set('unstorable', 1)).rejects.toBeInstanceOf(StoreSerializationError);
        expect(await broken.has('unstorable')).toBe(false);
      });
    });

    describe('driver: pattern subscriptions (Redis glob rules)', () => {
      it('delivers messages of matching channels only, with the channel name', async () => {
        const seen: string[] = [];
        const base = fixture.prefix;
        const off = await fixture.driver.psubscribe(`${base}orders.[ab]?`, (message, channel) => {
          seen.push(`${channel.slice(base.length)}=${message}`);
        });
        for (const channel of ['orders.a1', 'orders.c1', 'orders.b22', 'orders.b2']) {
          await fixture.driver.publish(`${base}${channel}`, channel);
        }
        await waitFor(() => seen.length === 2, 5_000, 'the matching messages');
        await sleep(50);
        expect(seen.sort()).toEqual(['orders.a1=orders.a1', 'orders.b2=orders.b2']);
        await off();
      });
    });

    it('exposes the raw client on Redis and refuses it on memory', () => {
      if (fixture.driver.kind === 'memory')
        expect(() => store.client).toThrow(StoreUnsupportedError);
      else expect(typeof store.client.get).toBe('function');
    });
  });
}
