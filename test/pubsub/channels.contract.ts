import { config, firstValueFrom, take, toArray } from 'rxjs';
import {
  StoreUnsupportedError,
  StoreValidationError,
  type StoreModuleOptions,
  type StorePatternMessage,
  type StoreService,
} from '../../lib/index.js';
import {
  StoreFixtures,
  openForSuite,
  receiverCount,
  sleep,
  waitFor,
  type StoreFixture,
} from '../contract/store-fixture.js';
import { PROBE, record, untilLive, withoutProbes } from './observe.js';

export interface ChannelTraits {
  /** Redis Cluster: PUBLISH counts only the subscribers connected to the node that received it. */
  nodeLocalPublishCount?: boolean;
  /** Sharded pub/sub: Redis has no sharded patterns, so pattern subscriptions are refused. */
  noPatterns?: boolean;
}

/** `channel()`, `pattern()` and `connectionState$`, the same on every driver. */
export function describeChannelContract(
  driverName: string,
  connection: () => StoreModuleOptions,
  traits: ChannelTraits = {},
): void {
  const receivers = receiverCount(traits.nodeLocalPublishCount);

  describe(`channel() and pattern(): ${driverName}`, () => {
    const fixtures = new StoreFixtures(connection);
    const restores: Array<() => void> = [];
    const afterTestRestore = (restore: () => void) => restores.push(restore);
    let fixture: StoreFixture;
    let store: StoreService;
    openForSuite(fixtures, (opened) => {
      fixture = opened;
      store = opened.store;
    });
    afterEach(() => {
      for (const restore of restores.splice(0)) restore();
    });

    it('delivers typed, deserialized messages to every observer, in order', async () => {
      interface UserEvent {
        id: number;
        kind: 'created' | 'deleted';
      }
      const events$ = store.channel<UserEvent>('user-events');
      const first = record(events$);
      const second = record(events$);
      await untilLive(
        store,
        'user-events',
        () => first.values.length > 0 && second.values.length > 0,
      );
      const sent: UserEvent[] = [
        { id: 1, kind: 'created' },
        { id: 2, kind: 'created' },
        { id: 1, kind: 'deleted' },
      ];
      for (const event of sent) await store.publish('user-events', event);
      await waitFor(
        () => withoutProbes(first.values).length === 3 && withoutProbes(second.values).length === 3,
        5_000,
        'three events each',
      );
      expect(withoutProbes(first.values)).toEqual(sent);
      expect(withoutProbes(second.values)).toEqual(sent);
      first.subscription.unsubscribe();
      second.subscription.unsubscribe();
      expect(first.errors).toEqual([]);
      expect(first.completed).toBe(false);
    });

    it('holds one subscription for any number of observers: PUBLISH reaches one receiver', async () => {
      const observers = Array.from({ length: 25 }, () => record(store.channel<string>('many')));
      await untilLive(store, 'many', () => observers.every((o) => o.values.length > 0));
      expect(await store.publish('many', 'x')).toEqual(receivers(1));
      await waitFor(
        () => observers.every((o) => withoutProbes(o.values).length === 1),
        5_000,
        'every observer',
      );
      for (const observer of observers) observer.subscription.unsubscribe();
    });

    it('drops the subscription shortly after the last observer leaves (PUBLISH reaches no one)', async () => {
      const own = await fixtures.open({ pubsub: { lingerMs: 50 } });
      const observer = record(own.store.channel<string>('leaving'));
      await untilLive(own.store, 'leaving', () => observer.values.length > 0);
      observer.subscription.unsubscribe();
      if (!traits.nodeLocalPublishCount)
        await waitFor(
          async () => (await own.store.publish('leaving', 'x')) === 0,
          5_000,
          'the UNSUBSCRIBE',
        );
      await sleep(100);
      const before = observer.values.length;
      await own.store.publish('leaving', 'late');
      await sleep(50);
      expect(observer.values).toHaveLength(before);
    });

    it('an observer that throws does not affect the others, and the stream goes on', async () => {
      // RxJS reports an observer's error through config.onUnhandledError (rethrown asynchronously by
      // default, as for any RxJS source); the source, and so the other observers, never see it.
      const reported: unknown[] = [];
      config.onUnhandledError = (error) => reported.push(error);
      afterTestRestore(() => (config.onUnhandledError = null));
      const seen: string[] = [];
      const thrower = store.channel<string>('robust').subscribe((value) => {
        if (value !== PROBE) throw new Error('observer bug');
      });
      const healthy = record(store.channel<string>('robust'), (value) => seen.push(value));
      await untilLive(store, 'robust', () => healthy.values.length > 0);
      await store.publish('robust', 'one');
      await store.publish('robust', 'two');
      await waitFor(() => withoutProbes(seen).length === 2, 5_000, 'both messages');
      expect(withoutProbes(seen)).toEqual(['one', 'two']);
      await waitFor(() => reported.length === 2, 5_000, 'both observer errors reported');
      expect(reported.map((error) => (error as Error).message)).toEqual([
        'observer bug',
        'observer bug',
      ]);
      thrower.unsubscribe();
      healthy.subscription.unsubscribe();
    });

    it('skips messages the serializer cannot read, counts them, and keeps the stream alive', async () => {
      const observer = record(store.channel<string>('foreign'));
      await untilLive(store, 'foreign', () => observer.values.length > 0);
      const skippedBefore = store.skippedMessages('foreign');
      await fixture.driver.publish(`${fixture.prefix}foreign`, '{not json');
      await fixture.driver.publish(`${fixture.prefix}foreign`, '');
      await store.publish('foreign', 'after');
      await waitFor(() => withoutProbes(observer.values).length === 1, 5_000, 'the valid message');
      expect(withoutProbes(observer.values)).toEqual(['after']);
      expect(store.skippedMessages('foreign') - skippedBefore).toBe(2);
      expect(observer.errors).toEqual([]);
      observer.subscription.unsubscribe();
    });

    if (traits.noPatterns) {
      it('refuses patterns (Redis has no sharded patterns): pattern() errors, subscribe({ pattern }) rejects', async () => {
        const observer = record(store.pattern<string>('orders.*'));
        await waitFor(() => observer.errors.length === 1, 5_000, 'the refusal');
        expect(observer.errors[0]).toBeInstanceOf(StoreUnsupportedError);
        await expect(
          store.subscribe({ pattern: 'orders.*' }, () => undefined),
        ).rejects.toBeInstanceOf(StoreUnsupportedError);
      });
    } else {
      it('pattern() emits { channel, message } for every matching channel, and only those', async () => {
        const observer = record(store.pattern<string>('orders.*'));
        await untilLive(store, 'orders.probe', () => observer.values.length > 0);
        await store.publish('orders.eu', 'a');
        await store.publish('invoices.eu', 'no');
        await store.publish('orders.us', 'b');
        await waitFor(
          () => withoutProbes(observer.values).length === 2,
          5_000,
          'two order messages',
        );
        // Order holds per channel; across channels it may not (on a Cluster they travel through different nodes).
        const byChannel = (a: StorePatternMessage<string>, b: StorePatternMessage<string>) =>
          a.channel.localeCompare(b.channel);
        expect(withoutProbes(observer.values).sort(byChannel)).toEqual<
          Array<StorePatternMessage<string>>
        >([
          { channel: 'orders.eu', message: 'a' },
          { channel: 'orders.us', message: 'b' },
        ]);
        observer.subscription.unsubscribe();
      });

      it('subscribe({ pattern }) calls the handler with the message and its channel', async () => {
        const seen: Array<[unknown, string]> = [];
        const off = await store.subscribe<string>(
          { pattern: 'alerts.[ab]' },
          (message, channel) => {
            seen.push([message, channel]);
          },
        );
        await store.publish('alerts.a', 'first');
        await store.publish('alerts.c', 'ignored');
        await store.publish('alerts.b', 'second');
        await waitFor(() => seen.length === 2, 5_000, 'two alerts');
        expect(seen.sort((a, b) => a[1].localeCompare(b[1]))).toEqual([
          ['first', 'alerts.a'],
          ['second', 'alerts.b'],
        ]);
        await off();
      });
    }

    it('scopes channels (and patterns) to the namespace', async () => {
      const roomA = store.namespace('room-a');
      const inA = record(roomA.channel<string>('chat'));
      const patternInA = traits.noPatterns ? null : record(roomA.pattern<string>('*'));
      await untilLive(
        roomA,
        'chat',
        () => inA.values.length > 0 && (patternInA === null || patternInA.values.length > 0),
      );
      await store.namespace('room-b').publish('chat', 'b');
      await store.publish('chat', 'root');
      await roomA.publish('chat', 'a');
      await waitFor(
        () =>
          withoutProbes(inA.values).length === 1 &&
          (patternInA === null || withoutProbes(patternInA.values).length === 1),
        5_000,
        'the namespaced message',
      );
      expect(withoutProbes(inA.values)).toEqual(['a']);
      if (patternInA)
        expect(withoutProbes(patternInA.values)).toEqual([{ channel: 'chat', message: 'a' }]);
      await sleep(50);
      expect(withoutProbes(inA.values)).toEqual(['a']);
      inA.subscription.unsubscribe();
      patternInA?.subscription.unsubscribe();
    });

    it('rejects bad channel names and globs at once, with a typed error', () => {
      expect(() => store.channel('')).toThrow(StoreValidationError);
      expect(() => store.channel(42 as never)).toThrow(StoreValidationError);
      expect(() => store.pattern('')).toThrow(StoreValidationError);
      expect(() => store.pattern(undefined as never)).toThrow(StoreValidationError);
    });

    it('connectionState$ starts with connected; the Observables complete and the state closes with the store', async () => {
      const own = await fixtures.open();
      await waitFor(
        async () => (await firstValueFrom(own.store.connectionState$)) === 'connected',
        5_000,
        'connected',
      );
      const states = record(own.store.connectionState$);
      const messages = record(own.store.channel<string>('closing'));
      await untilLive(own.store, 'closing', () => messages.values.length > 0);
      await own.app.close();
      expect(states.values).toEqual(['connected', 'closed']);
      expect(states.completed).toBe(true);
      expect(messages.completed).toBe(true);
      expect(messages.errors).toEqual([]);
      // Observing a closed store completes at once.
      expect(
        await firstValueFrom(own.store.channel('after-close').pipe(take(1), toArray()), {
          defaultValue: [],
        }),
      ).toEqual([]);
    });
  });
}
