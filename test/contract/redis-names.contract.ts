import { firstValueFrom, take, toArray } from 'rxjs';
import {
  STREAM_MESSAGE_FIELD,
  StoreCommandError,
  StoreInvalidKeyError,
  StoreValidationError,
  StoreWrongTypeError,
  type StoreModuleOptions,
  type StoreService,
} from '../../lib/index.js';
import type { ForeignClient } from './foreign-client.js';
import { StoreFixtures, waitFor, type StoreFixture } from './store-fixture.js';

/** Where a backend differs in what the names suite can prove. */
export interface NamesTraits {
  /** Redis Cluster: user hash tags must keep keys on one slot. */
  cluster?: boolean;
}

const INTERNAL = '__nestjs_store__';

/**
 * What nestjs-store writes in Redis, as another client sees it (the README's "What nestjs-store
 * writes in Redis" table): key `K` is `keyPrefix + K`, channels and streams likewise, a namespace
 * adds its segment, plain values are the serializer's output, entries with metadata are hashes,
 * and internal state stays in its reserved segment whatever names users pass.
 */
export function describeRedisNamesContract(
  driverName: string,
  connection: () => StoreModuleOptions,
  foreignOf: (fixture: StoreFixture) => ForeignClient,
  traits: NamesTraits = {},
): void {
  describe(`Redis names other clients meet: ${driverName}`, () => {
    const fixtures = new StoreFixtures(connection);
    let fixture: StoreFixture;
    let store: StoreService;
    let foreign: ForeignClient;
    let prefix: string;

    beforeAll(async () => {
      fixture = await fixtures.open();
      ({ store, prefix } = fixture);
      foreign = foreignOf(fixture);
    });
    const extraClients: ForeignClient[] = [];
    afterAll(async () => {
      await Promise.all([foreign, ...extraClients.splice(0)].map((client) => client.close()));
      await fixtures.closeAll();
    });

    /** Another store, and a foreign client of the same server (on memory: of that store's driver). */
    async function openOther(
      overrides: Partial<StoreModuleOptions> = {},
    ): Promise<{ store: StoreService; prefix: string; foreign: ForeignClient }> {
      const other = await fixtures.open(overrides);
      const client = foreignOf(other);
      extraClients.push(client);
      return { store: other.store, prefix: other.prefix, foreign: client };
    }

    describe('keys and values', () => {
      it('set writes keyPrefix + key holding exactly the serializer output; a foreign write is read back', async () => {
        await store.set('user:1', { id: 1, name: 'Ada' });
        expect(await foreign.get(`${prefix}user:1`)).toBe('{"id":1,"name":"Ada"}');
        if (foreign.cli)
          expect(await foreign.cli(['GET', `${prefix}user:1`])).toBe('{"id":1,"name":"Ada"}');
        await foreign.set(`${prefix}user:2`, '{"id":2}');
        if (foreign.cli) await foreign.cli(['SET', `${prefix}user:3`, '{"id":3}']);
        else await foreign.set(`${prefix}user:3`, '{"id":3}');
        expect(await store.mget(['user:1', 'user:2', 'user:3'])).toEqual([
          { id: 1, name: 'Ada' },
          { id: 2 },
          { id: 3 },
        ]);
        expect(await store.has('user:2')).toBe(true);
      });

      it('mset, delete, expire and ttl act on the same names', async () => {
        await store.mset<unknown>([
          { key: 'm:a', value: 'a', ttl: 60 },
          { key: 'm:b', value: 2 },
        ]);
        expect([await foreign.get(`${prefix}m:a`), await foreign.get(`${prefix}m:b`)]).toEqual([
          '"a"',
          '2',
        ]);
        expect(await foreign.pttl(`${prefix}m:a`)).toBeGreaterThan(59_000);
        expect(await store.expire('m:b', 30)).toBe(true);
        expect(await foreign.pttl(`${prefix}m:b`)).toBeGreaterThan(29_000);
        expect(await store.delete(['m:a', 'm:b'])).toBe(2);
        expect(await foreign.get(`${prefix}m:a`)).toBeNull();
      });

      it('increments a number another client wrote, and the result is what other clients read', async () => {
        await foreign.set(`${prefix}counter`, '41');
        expect(await store.increment('counter')).toBe(42);
        expect(await foreign.get(`${prefix}counter`)).toBe('42');
        await store.set('counter-json', 7);
        expect(await store.decrement('counter-json', 2)).toBe(5);
      });

      it('refuses an increment whose result leaves the safe integer range, changing nothing', async () => {
        await store.set('big', Number.MAX_SAFE_INTEGER - 1);
        expect(await store.increment('big')).toBe(Number.MAX_SAFE_INTEGER);
        const error = await store.increment('big').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreCommandError);
        expect(String((error as Error).message)).toMatch(/safe integer range/);
        expect(await foreign.get(`${prefix}big`)).toBe(String(Number.MAX_SAFE_INTEGER));
        await store.set('small', -Number.MAX_SAFE_INTEGER);
        await expect(store.decrement('small')).rejects.toBeInstanceOf(StoreCommandError);
        expect(await store.get('small')).toBe(-Number.MAX_SAFE_INTEGER);
        // A value past 2^53 written by another client is never read back rounded.
        await foreign.set(`${prefix}beyond`, '9007199254740993');
        await expect(store.increment('beyond')).rejects.toBeInstanceOf(StoreCommandError);
        expect(await foreign.get(`${prefix}beyond`)).toBe('9007199254740993');
      });

      it('stores an entry with tags as a hash: the value under "v", the tag stamps beside it', async () => {
        await store.set('tagged', { id: 9 }, { ttl: 60, tags: ['users'] });
        const fields = await foreign.hgetall(`${prefix}tagged`);
        expect(fields.v).toBe('{"id":9}');
        expect(Number(fields.f)).toBeGreaterThan(Date.now());
        const tagKey = `${prefix}${INTERNAL}:t:users`;
        expect(fields[`t:${tagKey}`]).toBe(await foreign.get(tagKey));
        if (foreign.cli)
          expect(await foreign.cli(['HGET', `${prefix}tagged`, 'v'])).toBe('{"id":9}');
      });

      it('refuses to increment an entry with metadata, with a typed error naming the key, and writes nothing', async () => {
        await store.set('tagged-count', 1, { tags: ['n'] });
        const error = await store.increment('tagged-count').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreWrongTypeError);
        expect(error).toMatchObject({ key: 'tagged-count' });
        expect(await store.get('tagged-count')).toBe(1);
      });

      it('stores a getOrSet result as an entry hash with its freshness and load time', async () => {
        await store.getOrSet('loaded', () => ({ ok: true }), { ttl: 60 });
        const fields = await foreign.hgetall(`${prefix}loaded`);
        expect(fields.v).toBe('{"ok":true}');
        expect(Number(fields.f)).toBeGreaterThan(Date.now());
        expect(Number(fields.d)).toBeGreaterThanOrEqual(0);
      });

      it('ttl() agrees with get(): null once a tag is invalidated or the entry is past its freshness', async () => {
        await store.set('ttl-tagged', 1, { ttl: 60, tags: ['ttl-tag'] });
        expect(await store.ttl('ttl-tagged')).toBeGreaterThan(59);
        await store.invalidateTags(['ttl-tag']);
        expect(await store.get('ttl-tagged')).toBeNull();
        expect(await store.ttl('ttl-tagged')).toBeNull();
        expect(await store.has('ttl-tagged')).toBe(false);

        const before = Date.now();
        await store.getOrSet('ttl-graced', () => 'v', { ttl: '300ms', grace: '1m' });
        const left = await store.ttl('ttl-graced');
        // The time to the end of freshness, not to the key's expiry (which includes the grace period).
        if (Date.now() - before < 300) expect(left).toBeGreaterThan(0);
        expect(left ?? 0).toBeLessThanOrEqual(0.3);
        await waitFor(
          async () => (await store.get('ttl-graced')) === null,
          5_000,
          'the entry to go stale',
        );
        expect(await store.ttl('ttl-graced')).toBeNull();
        expect(await foreign.pttl(`${prefix}ttl-graced`)).toBeGreaterThan(0);
      });

      it('keeps user hash tags, so keys sharing one stay together on a Cluster', async () => {
        await store.set('{user:1}:cart', ['book']);
        await store.set('{user:1}:profile', { name: 'Ada' });
        expect(await foreign.get(`${prefix}{user:1}:cart`)).toBe('["book"]');
        expect(await foreign.get(`${prefix}{user:1}:profile`)).toBe('{"name":"Ada"}');
        if (traits.cluster && foreign.cli) {
          const slots = await Promise.all(
            ['{user:1}:cart', '{user:1}:profile'].map((key) =>
              foreign.cli!(['CLUSTER', 'KEYSLOT', `${prefix}${key}`]),
            ),
          );
          expect(slots[0]).toBe(slots[1]);
          expect(slots[0]).toBe(await foreign.cli(['CLUSTER', 'KEYSLOT', 'user:1']));
        }
      });

      it('refuses a key, tag, channel, stream or namespace with a lone surrogate (it would reach Redis as another name) with StoreInvalidKeyError', async () => {
        await expect(store.set('a\uD800', 1)).rejects.toBeInstanceOf(StoreInvalidKeyError);
        for (const name of ['\uDC00', 'a\uD800b']) {
          expect(() => store.channel(name)).toThrow(StoreInvalidKeyError);
          expect(() => store.namespace(name)).toThrow(StoreInvalidKeyError);
          await expect(store.append(name, 1)).rejects.toBeInstanceOf(StoreInvalidKeyError);
          await expect(store.set('k', 1, { tags: [name] })).rejects.toBeInstanceOf(
            StoreInvalidKeyError,
          );
          await expect(store.publish(name, 1)).rejects.toBeInstanceOf(StoreInvalidKeyError);
        }
      });

      it('redisKey and redisChannel return the names other clients use', () => {
        expect(store.redisKey('user:1')).toBe(`${prefix}user:1`);
        expect(store.namespace('t1').redisKey('user:1')).toBe(`${prefix}t1:user:1`);
        expect(store.redisChannel('orders')).toBe(`${prefix}orders`);
        expect(store.namespace('t1').namespace('eu').redisChannel('orders')).toBe(
          `${prefix}t1:eu:orders`,
        );
        expect(() => store.redisKey('')).toThrow(StoreValidationError);
      });
    });

    describe('deleteByPattern', () => {
      it('deletes the matching user keys, never the internal state', async () => {
        const { store: own, prefix: ownPrefix, foreign } = await openOther();
        await own.set('sess:1', 1, { tags: ['sessions'] });
        await own.set('sess:2', 2);
        await own.namespace('t1').set('sess:3', 3);
        const tagKey = `${ownPrefix}${INTERNAL}:t:sessions`;
        const token = await foreign.get(tagKey);
        expect(token).not.toBeNull();
        expect(await own.deleteByPattern('*')).toBe(3);
        expect(await foreign.get(tagKey)).toBe(token);
        if (foreign.keys) expect(await foreign.keys(`${ownPrefix}*`)).toEqual([tagKey]);
      });
    });

    describe('channels, patterns and streams', () => {
      it('publish reaches a foreign subscriber of keyPrefix + channel, and a foreign publish reaches channel()', async () => {
        const heard: string[] = [];
        const off = await foreign.subscribe(`${prefix}orders`, (message) => heard.push(message));
        await store.publish('orders', { id: 1 });
        await waitFor(() => heard.length === 1, 5_000, 'the foreign subscriber');
        expect(heard).toEqual(['{"id":1}']);
        await off();

        const next = firstValueFrom(store.channel<{ id: number }>('orders'));
        await waitFor(
          async () => {
            if (foreign.cli) await foreign.cli(['PUBLISH', `${prefix}orders`, '{"id":2}']);
            else await foreign.publish(`${prefix}orders`, '{"id":2}');
            return Promise.race([
              next.then(() => true),
              new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 50)),
            ]);
          },
          5_000,
          'channel() to receive the foreign message',
        );
        expect(await next).toEqual({ id: 2 });
      });

      it('pattern() is PSUBSCRIBE keyPrefix + glob and reports the channel without the prefix, never an internal one', async () => {
        // A prefix of its own: a message another test published on this server may still arrive.
        const { store: withL1, prefix: ownPrefix, foreign } = await openOther({ l1: true });
        const two = firstValueFrom(withL1.pattern<number>('*').pipe(take(2), toArray()));
        await waitFor(
          async () => {
            // Writes with L1 announce on the internal bus channel, which the root glob `*` also matches.
            await withL1.set('bus-noise', 1);
            await foreign.publish(`${ownPrefix}ord.eu`, '1');
            await foreign.publish(`${ownPrefix}ord.us`, '2');
            return Promise.race([
              two.then(() => true),
              new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 50)),
            ]);
          },
          5_000,
          'two pattern messages',
        );
        const received = await two;
        for (const { channel } of received) expect(['ord.eu', 'ord.us']).toContain(channel);
      });

      it('streams are keyPrefix + name: append is readable with XRANGE, a foreign XADD reaches stream()', async () => {
        await store.append('events', { kind: 'created' });
        expect(await foreign.xrange(`${prefix}events`)).toEqual([
          [STREAM_MESSAGE_FIELD, '{"kind":"created"}'],
        ]);
        if (foreign.cli)
          await foreign.cli(['XADD', `${prefix}events-in`, '*', STREAM_MESSAGE_FIELD, '{"n":1}']);
        else await foreign.xadd(`${prefix}events-in`, [STREAM_MESSAGE_FIELD, '{"n":1}']);
        const first = await firstValueFrom(
          store.stream<{ n: number }>('events-in', { group: 'g', consumer: 'c', startFrom: '0' }),
        );
        expect(first.message).toEqual({ n: 1 });
        await first.ack();
        expect((await firstValueFrom(store.replay('events', { from: 0 }))).message).toEqual({
          kind: 'created',
        });
      });
    });

    describe('namespaces', () => {
      it('a namespace is the segment name: after the prefix, for keys, channels and streams', async () => {
        const t1 = store.namespace('t1');
        await t1.set('user:1', 'one');
        expect(await foreign.get(`${prefix}t1:user:1`)).toBe('"one"');
        const heard: string[] = [];
        const off = await foreign.subscribe(`${prefix}t1:orders`, (message) => heard.push(message));
        await t1.publish('orders', 'o');
        await waitFor(() => heard.length === 1, 5_000, 'the namespaced channel');
        await off();
        await t1.namespace('eu').append('log', 'entry');
        expect(await foreign.xrange(`${prefix}t1:eu:log`)).toEqual([
          [STREAM_MESSAGE_FIELD, '"entry"'],
        ]);
      });
    });

    describe('the internal segment', () => {
      it.each([[`${INTERNAL}:t:users`], [INTERNAL], [`${INTERNAL}:rl:{default:x}:fw`]])(
        'rejects the key %p with a typed error naming it, writing nothing',
        async (key) => {
          const error = await store.set(key, 1).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(StoreInvalidKeyError);
          expect(String((error as Error).message)).toContain(JSON.stringify(key));
          await expect(store.get(key)).rejects.toBeInstanceOf(StoreInvalidKeyError);
          expect(() => store.redisKey(key)).toThrow(StoreInvalidKeyError);
        },
      );

      it('rejects channels, patterns, streams and namespaces that name it', async () => {
        const name = `${INTERNAL}:bus:l1`;
        expect(() => store.channel(name)).toThrow(StoreValidationError);
        expect(() => store.pattern(`${INTERNAL}:*`)).toThrow(StoreValidationError);
        await expect(store.publish(name, 1)).rejects.toBeInstanceOf(StoreValidationError);
        await expect(store.append(name, 1)).rejects.toBeInstanceOf(StoreValidationError);
        await expect(store.deleteByPattern(`${INTERNAL}:*`)).rejects.toBeInstanceOf(
          StoreValidationError,
        );
        expect(() => store.namespace(INTERNAL)).toThrow(StoreValidationError);
      });

      it('is configurable: internalSegment moves tag versions and leases, and frees the default name', async () => {
        const {
          store: custom,
          prefix: customPrefix,
          foreign,
        } = await openOther({ internalSegment: '_lib' });
        await custom.set('item', 1, { tags: ['g'] });
        expect(await foreign.get(`${customPrefix}_lib:t:g`)).not.toBeNull();
        await custom.set(`${INTERNAL}:free`, 2);
        expect(await foreign.get(`${customPrefix}${INTERNAL}:free`)).toBe('2');
        await expect(custom.set('_lib:t:g', 1)).rejects.toBeInstanceOf(StoreInvalidKeyError);
      });
    });

    describe('hostile keys through every public method', () => {
      /** Every public method that takes a key or a name, called with `name`. */
      const calls = (
        target: StoreService,
        name: string,
      ): Array<[string, () => Promise<unknown>]> => [
        ['set', () => target.set(name, 1)],
        ['get', () => target.get(name)],
        ['has', () => target.has(name)],
        ['delete', () => target.delete(name)],
        ['increment', () => target.increment(name)],
        ['decrement', () => target.decrement(name)],
        ['expire', () => target.expire(name, 60)],
        ['ttl', () => target.ttl(name)],
        ['mget', () => target.mget([name])],
        ['mset', () => target.mset([{ key: name, value: 1 }])],
        ['getOrSet', () => target.getOrSet(name, () => 1)],
        ['set with the name as a tag', () => target.set('tagged-by-hostile', 1, { tags: [name] })],
        ['invalidateTags', () => target.invalidateTags([name])],
        ['deleteByPattern', () => target.deleteByPattern(name)],
        ['publish', () => target.publish(name, 1)],
        ['subscribe', async () => (await target.subscribe(name, () => undefined))()],
        ['append', () => target.append(name, 1)],
        ['redisKey', async () => target.redisKey(name)],
        ['channel', async () => target.channel(name)],
        ['namespace', async () => target.namespace(name)],
      ];

      it.each([
        ['a 3 KB key (over maxKeyLength)', 'k'.repeat(3_000)],
        ['a lone surrogate', 'a\uD800'],
      ])(
        'refuses %s in every method with a StoreValidationError, writing nothing',
        async (_label, name) => {
          const { store: own, prefix: ownPrefix, foreign } = await openOther();
          for (const [method, call] of calls(own, name)) {
            const error = await call().then(
              () => null,
              (e: unknown) => e,
            );
            expect([method, error]).toEqual([method, expect.any(StoreValidationError)]);
          }
          if (foreign.keys) expect(await foreign.keys(`${ownPrefix}*`)).toEqual([]);
        },
      );

      it.each([
        ['NUL', 'a\u0000b'],
        ['CRLF', 'a\r\nSET x y\r\n'],
        ['spaces and quotes', 'a "b" \'c\''],
      ])('takes a key holding %s as the bytes it is, in every method', async (_label, name) => {
        const { store: own, prefix: ownPrefix, foreign } = await openOther();
        for (const [method, call] of calls(own, name)) {
          const outcome = await call().then(
            () => 'ok',
            (e: unknown) => e,
          );
          expect([method, outcome]).toEqual([method, 'ok']);
        }
        await own.set(name, { v: 1 });
        expect(await foreign.get(`${ownPrefix}${name}`)).toBe('{"v":1}');
        expect(await own.get(name)).toEqual({ v: 1 });
      });
    });

    describe('hostile names (fuzz)', () => {
      /** Characters that could break a layout: separators, braces, globs, escapes, surrogates, the internal segment. */
      const ALPHABET = [
        ':',
        '{',
        '}',
        '*',
        '?',
        '[',
        ']',
        '\\',
        '^',
        '-',
        'a',
        'b',
        '%',
        '/',
        '\uD800',
        'é',
        INTERNAL,
        `${INTERNAL}:`,
        't:',
        'l:',
      ];
      /** A seeded generator, so a failure names a reproducible case. */
      const random = (seed: number) => () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed / 2 ** 31;
      };

      it('no key, glob, tag, channel or stream given to a namespace reaches a sibling, the parent or the internal state', async () => {
        const { store: root, prefix: rootPrefix, foreign } = await openOther();
        const victim = root.namespace('victim');
        await victim.set('secret', 's', { tags: ['vt'] });
        await root.set('own', 'r', { tags: ['rt'] });
        const victimTag = await foreign.get(`${rootPrefix}${INTERNAL}:t:victim:vt`);
        const rootTag = await foreign.get(`${rootPrefix}${INTERNAL}:t:rt`);
        const next = random(20_261_202);
        const pick = (length: number) =>
          Array.from({ length }, () => ALPHABET[Math.floor(next() * ALPHABET.length)]).join('');
        let accepted = 0;
        for (let i = 0; i < 150; i++) {
          let attacker: StoreService;
          try {
            attacker = root.namespace(pick(1 + Math.floor(next() * 3)));
          } catch (error) {
            expect(error).toBeInstanceOf(StoreValidationError);
            continue;
          }
          accepted += 1;
          const name = pick(1 + Math.floor(next() * 4));
          const attempts = [
            attacker.set(name, 'x', { tags: [name] }),
            attacker.get(name),
            attacker.delete(name),
            attacker.deleteByPattern(name),
            attacker.invalidateTags([name, pick(2)]),
            attacker.publish(name, 'x'),
            attacker.append(`${name}~stream`, 'x'),
          ];
          for (const outcome of await Promise.allSettled(attempts)) {
            // Refused is fine (a lone surrogate); anything else must be a typed validation error.
            if (outcome.status === 'rejected')
              expect(outcome.reason).toBeInstanceOf(StoreValidationError);
          }
          expect(attacker.redisKey('k').startsWith(rootPrefix)).toBe(true);
          expect(attacker.redisKey('k').startsWith(`${rootPrefix}victim:`)).toBe(false);
          expect(attacker.redisKey('k').startsWith(`${rootPrefix}${INTERNAL}:`)).toBe(false);
        }
        expect(accepted).toBeGreaterThan(10);
        expect(await victim.get('secret')).toBe('s');
        expect(await root.get('own')).toBe('r');
        expect(await foreign.get(`${rootPrefix}${INTERNAL}:t:victim:vt`)).toBe(victimTag);
        expect(await foreign.get(`${rootPrefix}${INTERNAL}:t:rt`)).toBe(rootTag);
      });
    });
  });
}
