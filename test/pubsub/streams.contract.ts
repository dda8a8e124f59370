import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { firstValueFrom, toArray } from 'rxjs';
import {
  STREAM_MESSAGE_FIELD,
  StoreSerializationError,
  StoreValidationError,
  type StoreModuleOptions,
  type StoreService,
  type StoreStreamOptions,
  type StreamEntry,
  type StreamMessage,
} from '../../lib/index.js';
import { StoreFixtures, sleep, waitFor, type StoreFixture } from '../contract/store-fixture.js';
import { record, type Recorded } from './observe.js';

/** Where a backend legitimately differs from the others. */
export interface StreamTraits {
  /** Redis: pending lists can be inspected with XPENDING, and apps sharing a prefix share streams. */
  redis?: boolean;
}

/** Options that make the loop react within a test's patience: short blocks, quick takeovers. */
const QUICK: Partial<StoreStreamOptions> = { blockMs: 50, startFrom: '0' };

const ids = (messages: Array<{ id: string }>) => messages.map((m) => m.id);
const payloads = <T>(messages: Array<{ message: T }>) => messages.map((m) => m.message);
/** Orders stream ids (`<ms>-<seq>`) numerically. */
const idOrder = (a: string, b: string) => {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am === bm ? Number(as - bs) : Number(am - bm);
};

/**
 * The behaviour of durable streams (`append`, `stream`, `replay`), identical on every driver. Each
 * driver's spec calls this with a way to connect; the memory driver is held to what Redis does.
 */
export function describeStreamsContract(
  driverName: string,
  connection: () => StoreModuleOptions,
  traits: StreamTraits = {},
): void {
  describe(`durable streams contract: ${driverName}`, () => {
    const fixtures = new StoreFixtures(connection);
    const recordings: Array<Recorded<unknown>> = [];
    let fixture: StoreFixture;
    let store: StoreService;

    /** Subscribes and records; every recording is unsubscribed after its test. */
    function consume<T>(
      name: string,
      options: StoreStreamOptions,
      onMessage?: (m: StreamMessage<T>) => void,
      on = store,
    ): Recorded<StreamMessage<T>> {
      const recorded = record(on.stream<T>(name, { ...QUICK, ...options }), onMessage);
      recordings.push(recorded as Recorded<unknown>);
      return recorded;
    }

    /** A handler that acknowledges at once. */
    const ackAll = (m: StreamMessage<unknown>) => void m.ack();

    /** Messages of `group` delivered and not acknowledged (XPENDING), on Redis. */
    async function pendingCount(name: string, group: string, on = fixture): Promise<number> {
      const summary = (await on.store.client.call(
        'xpending',
        `${on.prefix}${name}`,
        group,
      )) as unknown[];
      return Number(summary[0]);
    }

    /** Appends an entry as another client would: raw fields, no serializer. */
    async function appendRaw(name: string, fields: string[]): Promise<void> {
      const key = `${fixture.prefix}${name}`;
      if (traits.redis) await store.client.call('xadd', key, '*', ...fields);
      else await fixture.driver.streams.add(key, fields, undefined);
    }

    async function replayAll<T>(name: string, on = store): Promise<Array<StreamEntry<T>>> {
      return firstValueFrom(on.replay<T>(name, { from: '-' }).pipe(toArray()));
    }

    async function appendAll(name: string, messages: unknown[]): Promise<string[]> {
      const appended: string[] = [];
      for (const message of messages) appended.push(await store.append(name, message));
      return appended;
    }

    beforeAll(async () => {
      fixture = await fixtures.open();
      store = fixture.store;
    });
    afterEach(() => {
      for (const recorded of recordings.splice(0)) recorded.subscription.unsubscribe();
    });
    afterAll(() => fixtures.closeAll());

    describe('append', () => {
      it('resolves to entry ids in increasing order', async () => {
        const appended = await appendAll('ordered', [1, 2, 3, 4, 5]);
        for (const id of appended) expect(id).toMatch(/^\d+-\d+$/);
        expect([...appended].sort(idOrder)).toEqual(appended);
        expect(new Set(appended).size).toBe(5);
      });

      it('trims to about maxLen entries, keeping the newest', async () => {
        const messages = Array.from({ length: 300 }, (_, i) => i);
        for (const message of messages) await store.append('trimmed', message, { maxLen: 10 });
        const kept = payloads(await replayAll<number>('trimmed'));
        // MAXLEN ~ lets Redis keep whole nodes; the memory driver trims exactly.
        if (traits.redis) expect(kept.length).toBeLessThan(300);
        else expect(kept).toHaveLength(10);
        expect(kept.slice(-10)).toEqual(messages.slice(-10));
      });
    });

    describe('stream', () => {
      it('delivers appended messages once each, in order, with deliveryCount 1', async () => {
        const sent = [{ n: 1 }, 'two', [3], null];
        const appended = await appendAll('deliver', sent);
        const consumer = consume('deliver', { group: 'g', consumer: 'c' }, ackAll);
        await waitFor(() => consumer.values.length === 4, 5_000, 'four messages');
        await store.append('deliver', 'later');
        await waitFor(() => consumer.values.length === 5, 5_000, 'the later message');
        expect(payloads(consumer.values)).toEqual([...sent, 'later']);
        expect(ids(consumer.values).slice(0, 4)).toEqual(appended);
        expect(consumer.values.every((m) => m.deliveryCount === 1 && m.stream === 'deliver')).toBe(
          true,
        );
        expect(consumer.errors).toEqual([]);
        expect(consumer.completed).toBe(false);
      });

      it("starts a new group at '$' by default: only messages appended after it exists", async () => {
        await store.append('from-now', 'old');
        const consumer = consume('from-now', { group: 'g', consumer: 'c', startFrom: '$' }, ackAll);
        await waitFor(
          async () => {
            await store.append('from-now', 'new');
            await sleep(20);
            return consumer.values.length > 0;
          },
          5_000,
          'a message appended after the group was created',
        );
        expect(payloads(consumer.values)).not.toContain('old');
      });

      it('holds at most batchSize unacknowledged messages', async () => {
        await appendAll(
          'backpressure',
          Array.from({ length: 10 }, (_, i) => i),
        );
        const consumer = consume<number>('backpressure', {
          group: 'g',
          consumer: 'c',
          batchSize: 3,
        });
        await waitFor(() => consumer.values.length === 3, 5_000, 'a first batch');
        await sleep(200);
        expect(payloads(consumer.values)).toEqual([0, 1, 2]);
        await consumer.values[0].ack();
        await waitFor(() => consumer.values.length === 4, 5_000, 'one more after one ack');
        await sleep(200);
        expect(consumer.values).toHaveLength(4);
        for (let acked = 1; acked < 10; acked++) {
          await consumer.values[acked].ack();
          await waitFor(
            () => consumer.values.length === Math.min(acked + 4, 10),
            5_000,
            `message ${acked + 3}`,
          );
        }
        expect(payloads(consumer.values)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      });

      it('ack is idempotent and removes the message from the pending list', async () => {
        await appendAll('acks', ['a', 'b']);
        const consumer = consume<string>('acks', { group: 'g', consumer: 'c' });
        await waitFor(() => consumer.values.length === 2, 5_000, 'two messages');
        const [a] = consumer.values;
        await Promise.all([a.ack(), a.ack()]);
        await a.ack();
        if (traits.redis) expect(await pendingCount('acks', 'g')).toBe(1);
        consumer.subscription.unsubscribe();

        // A restarted consumer of the same name gets back exactly what it had not acknowledged.
        const restarted = consume<string>('acks', { group: 'g', consumer: 'c' }, ackAll);
        await waitFor(() => restarted.values.length === 1, 5_000, 'the unacknowledged message');
        await store.append('acks', 'c');
        await waitFor(() => restarted.values.length === 2, 5_000, 'the new message');
        expect(restarted.values.map((m) => [m.message, m.deliveryCount])).toEqual([
          ['b', 2],
          ['c', 1],
        ]);
        if (traits.redis)
          await waitFor(
            async () => (await pendingCount('acks', 'g')) === 0,
            5_000,
            'an empty pending list',
          );
      });

      it('acknowledges nothing before the handler does: a message being handled is still pending', async () => {
        let release = () => undefined as void;
        const handling = new Promise<void>((resolve) => (release = resolve));
        await store.append('in-handler', 'slow');
        const consumer = consume<string>('in-handler', { group: 'g', consumer: 'c' }, (m) => {
          void handling.then(() => m.ack());
        });
        await waitFor(() => consumer.values.length === 1, 5_000, 'the message');
        await sleep(100);
        if (traits.redis) expect(await pendingCount('in-handler', 'g')).toBe(1);
        // The consumer goes away mid-handling: the message is delivered again.
        consumer.subscription.unsubscribe();
        const again = consume<string>('in-handler', { group: 'g', consumer: 'c' }, ackAll);
        await waitFor(() => again.values.length === 1, 5_000, 'the redelivery');
        expect(again.values[0].deliveryCount).toBe(2);
        release();
        if (traits.redis)
          await waitFor(
            async () => (await pendingCount('in-handler', 'g')) === 0,
            5_000,
            'an empty pending list',
          );
      });

      it('keeps a slow handler’s messages: a live consumer renews its hold, so none is taken over', async () => {
        await store.append('slow', 'long job');
        let release = () => undefined as void;
        const handling = new Promise<void>((resolve) => (release = resolve));
        const slow = consume<string>(
          'slow',
          { group: 'g', consumer: 'slow', claimIdleMs: 500 },
          (m) => void handling.then(() => m.ack()),
        );
        await waitFor(() => slow.values.length === 1, 5_000, 'the message');
        const other = consume<string>(
          'slow',
          { group: 'g', consumer: 'other', claimIdleMs: 500 },
          ackAll,
        );
        // Several times claimIdleMs: without the renewals, `other` would have taken it over by now.
        await sleep(1_200);
        expect(other.values).toEqual([]);
        release();
      });

      it('kills a consumer mid-batch: another one of the group gets exactly its unacknowledged messages, and nothing is lost', async () => {
        const handled = new Map<string, number>();
        const handle = (m: StreamMessage<string>) => {
          handled.set(m.message, (handled.get(m.message) ?? 0) + 1);
          return m.ack();
        };
        await appendAll('orders', ['m0', 'm1', 'm2', 'm3']);
        // Consumer A runs in its own app on Redis (the memory driver's streams live in one app).
        const appA = traits.redis ? await fixtures.open({ keyPrefix: fixture.prefix }) : fixture;
        const a = consume<string>(
          'orders',
          { group: 'workers', consumer: 'a', batchSize: 4 },
          undefined,
          appA.store,
        );
        await waitFor(() => a.values.length === 4, 5_000, 'A’s batch');
        await Promise.all([handle(a.values[0]), handle(a.values[1])]);
        if (traits.redis) expect(await pendingCount('orders', 'workers')).toBe(2);
        // A dies holding m2 and m3: its app goes away (or, in process, its subscription).
        if (traits.redis) await appA.app.close();
        else a.subscription.unsubscribe();
        expect(payloads(a.values)).toEqual(['m0', 'm1', 'm2', 'm3']);
        await appendAll('orders', ['m4', 'm5']);

        const b = consume<string>(
          'orders',
          { group: 'workers', consumer: 'b', claimIdleMs: 150 },
          (m) => void handle(m),
        );
        await store.append('orders', 'm6');
        await waitFor(() => b.values.length === 5, 5_000, 'B’s messages');
        const redelivered = b.values.filter((m) => m.deliveryCount === 2).map((m) => m.message);
        expect(redelivered.sort()).toEqual(['m2', 'm3']);
        expect(
          b.values
            .filter((m) => m.deliveryCount === 1)
            .map((m) => m.message)
            .sort(),
        ).toEqual(['m4', 'm5', 'm6']);
        expect([...handled.keys()].sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
        expect([...handled.values()].every((count) => count === 1)).toBe(true);
        if (traits.redis)
          await waitFor(
            async () => (await pendingCount('orders', 'workers')) === 0,
            5_000,
            'an empty pending list',
          );
      });

      it('gives every message to each group, and splits a group’s messages between its consumers', async () => {
        const sent = Array.from({ length: 30 }, (_, i) => i);
        const audit = consume<number>('fanout', { group: 'audit', consumer: 'x' }, ackAll);
        const one = consume<number>(
          'fanout',
          { group: 'work', consumer: 'one', batchSize: 2 },
          ackAll,
        );
        const two = consume<number>(
          'fanout',
          { group: 'work', consumer: 'two', batchSize: 2 },
          ackAll,
        );
        await appendAll('fanout', sent);
        await waitFor(
          () => audit.values.length === 30 && one.values.length + two.values.length === 30,
          5_000,
          'every message',
        );
        expect(payloads(audit.values)).toEqual(sent);
        expect([...payloads(one.values), ...payloads(two.values)].sort((x, y) => x - y)).toEqual(
          sent,
        );
      });

      it('skips and acknowledges entries the serializer cannot read, and keeps delivering', async () => {
        const warn = jest.spyOn(Logger.prototype, 'warn');
        try {
          await store.append('mixed', 'first');
          await appendRaw('mixed', [STREAM_MESSAGE_FIELD, '{not json']);
          await appendRaw('mixed', ['other-field', '"x"']);
          await store.append('mixed', 'last');
          const consumer = consume<string>('mixed', { group: 'g', consumer: 'c' }, ackAll);
          await waitFor(() => consumer.values.length === 2, 5_000, 'the readable messages');
          expect(payloads(consumer.values)).toEqual(['first', 'last']);
          expect(
            warn.mock.calls.some(
              ([line]) =>
                String(line).includes('could not be read') && String(line).includes('"mixed"'),
            ),
          ).toBe(true);
          if (traits.redis)
            await waitFor(
              async () => (await pendingCount('mixed', 'g')) === 0,
              5_000,
              'the unreadable entries acknowledged',
            );
          // They stay in the stream; replay skips them too.
          expect(payloads(await replayAll('mixed'))).toEqual(['first', 'last']);
          consumer.subscription.unsubscribe();
          const restarted = consume<string>('mixed', { group: 'g', consumer: 'c' });
          await store.append('mixed', 'next');
          await waitFor(() => restarted.values.length === 1, 5_000, 'the next message');
          expect(payloads(restarted.values)).toEqual(['next']);
        } finally {
          warn.mockRestore();
        }
      });

      it('completes when the store closes; subscribing afterwards completes at once', async () => {
        const own = await fixtures.open(traits.redis ? { keyPrefix: fixture.prefix } : {});
        const consumer = consume<string>(
          'closing',
          { group: 'g', consumer: 'c' },
          ackAll,
          own.store,
        );
        await own.store.append('closing', 'x');
        await waitFor(() => consumer.values.length === 1, 5_000, 'the message');
        await own.app.close();
        await waitFor(() => consumer.completed, 5_000, 'completion');
        expect(consumer.errors).toEqual([]);
        const late = consume<string>(
          'closing',
          { group: 'g', consumer: 'late' },
          ackAll,
          own.store,
        );
        expect(late.completed).toBe(true);
      });
    });

    describe('replay', () => {
      let appended: string[];
      const stamp = (id: string) => Number(id.split('-')[0]);

      beforeAll(async () => {
        appended = await appendAll(
          'history',
          Array.from({ length: 250 }, (_, i) => i),
        );
      });

      it('reads everything from an id, page after page, with timestamps from the ids', async () => {
        const all = await replayAll<number>('history');
        expect(payloads(all)).toEqual(Array.from({ length: 250 }, (_, i) => i));
        expect(ids(all)).toEqual(appended);
        expect(
          all.every((entry) => entry.timestamp === stamp(entry.id) && entry.stream === 'history'),
        ).toBe(true);
        const fromId = await firstValueFrom(
          store.replay<number>('history', { from: appended[120] }).pipe(toArray()),
        );
        expect(ids(fromId)).toEqual(appended.slice(120));
      });

      it('reads from and to a time (Date or epoch ms), inclusive', async () => {
        const middle = stamp(appended[125]);
        const fromDate = await firstValueFrom(
          store.replay<number>('history', { from: new Date(middle) }).pipe(toArray()),
        );
        expect(ids(fromDate)).toEqual(appended.filter((id) => stamp(id) >= middle));
        const upTo = await firstValueFrom(
          store.replay<number>('history', { from: 0, to: middle }).pipe(toArray()),
        );
        expect(ids(upTo)).toEqual(appended.filter((id) => stamp(id) <= middle));
      });

      it('stops after count messages, and at `to` given as an id', async () => {
        const counted = await firstValueFrom(
          store.replay<number>('history', { from: appended[10], count: 105 }).pipe(toArray()),
        );
        expect(ids(counted)).toEqual(appended.slice(10, 115));
        const ranged = await firstValueFrom(
          store.replay<number>('history', { from: appended[3], to: appended[7] }).pipe(toArray()),
        );
        expect(ids(ranged)).toEqual(appended.slice(3, 8));
      });

      it('completes at once for a stream that does not exist', async () => {
        expect(await replayAll('never-appended')).toEqual([]);
      });
    });

    describe('namespaces', () => {
      it('scopes streams: one namespace cannot read another’s', async () => {
        const a = store.namespace('tenant-a');
        const b = store.namespace('tenant-b');
        await a.append('events', 'for a');
        expect(await replayAll('events', b)).toEqual([]);
        expect(await replayAll('events')).toEqual([]);
        expect(payloads(await replayAll('events', a))).toEqual(['for a']);
        const other = consume<string>('events', { group: 'g', consumer: 'c' }, ackAll, b);
        const own = consume<string>('events', { group: 'g', consumer: 'c' }, ackAll, a);
        await waitFor(() => own.values.length === 1, 5_000, 'the namespaced message');
        await sleep(100);
        expect(other.values).toEqual([]);
      });
    });

    describe('bad input writes nothing', () => {
      it.each([[''], [42], [null]])('rejects the stream name %p', async (name) => {
        await expect(store.append(name as string, 1)).rejects.toBeInstanceOf(StoreValidationError);
        expect(() => store.stream(name as string, { group: 'g', consumer: 'c' })).toThrow(
          StoreValidationError,
        );
        expect(() => store.replay(name as string, { from: '-' })).toThrow(StoreValidationError);
      });

      it.each([[0], [-1], [1.5], ['10'], [Number.NaN]])('rejects maxLen %p', async (maxLen) => {
        await expect(
          store.append('bad-append', 1, { maxLen: maxLen as number }),
        ).rejects.toBeInstanceOf(StoreValidationError);
        expect(await replayAll('bad-append')).toEqual([]);
      });

      it('rejects messages without a stored form', async () => {
        await expect(store.append('bad-append', undefined)).rejects.toBeInstanceOf(
          StoreSerializationError,
        );
        await expect(store.append('bad-append', 10n)).rejects.toBeInstanceOf(
          StoreSerializationError,
        );
        expect(await replayAll('bad-append')).toEqual([]);
      });

      it.each([
        ['no options', undefined],
        ['an empty group', { group: '', consumer: 'c' }],
        ['no consumer', { group: 'g' }],
        ['batchSize 0', { group: 'g', consumer: 'c', batchSize: 0 }],
        ['batchSize 1001', { group: 'g', consumer: 'c', batchSize: 1001 }],
        ['a fractional batchSize', { group: 'g', consumer: 'c', batchSize: 2.5 }],
        ['blockMs 0', { group: 'g', consumer: 'c', blockMs: 0 }],
        ['a negative claimIdleMs', { group: 'g', consumer: 'c', claimIdleMs: -1 }],
        ['an unknown startFrom', { group: 'g', consumer: 'c', startFrom: 'now' }],
      ])(
        'stream() throws StoreValidationError for %s, before subscribing',
        async (_label, options) => {
          expect(() => store.stream('bad-stream', options as StoreStreamOptions)).toThrow(
            StoreValidationError,
          );
          expect(await replayAll('bad-stream')).toEqual([]);
        },
      );

      it.each([
        ['no options', undefined],
        ['no from', {}],
        ['a malformed id', { from: '12-ab' }],
        ['an invalid Date', { from: new Date('nope') }],
        ['a negative time', { from: -5 }],
        ['a bad to', { from: '-', to: 'soon' }],
        ['count 0', { from: '-', count: 0 }],
      ])('replay() throws StoreValidationError for %s', (_label, options) => {
        expect(() => store.replay('history', options as never)).toThrow(StoreValidationError);
      });
    });
  });
}
