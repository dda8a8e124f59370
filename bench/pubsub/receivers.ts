/**
 * The receiving side of each system, with N observers handing every message to a `DeliverySink`.
 *
 * - nestjs-store: `store.channel<T>(name)` (one Observable with N `.subscribe()` calls, or N
 *   Observables of the same name with one each), on the subscriber connection the store opens.
 * - raw ioredis: a `new Redis(url)` of its own, `.subscribe(channel)`, and either N
 *   `on('message')` listeners that each check the channel and `JSON.parse` the message (what N
 *   independent parts of an app would attach), or, for reference, one listener that parses once
 *   and calls N callbacks (a hand-written fan-out).
 *
 * Every receiver can also publish through its system's own API (`store.publish` / `PUBLISH`), used
 * for the first message of each case.
 */
import { Redis } from 'ioredis';
import type { Observable, Subscription } from 'rxjs';
import type { StoreService } from '../../lib/index.js';
import { messageJson, messageOf, type BenchMessage, type DeliverySink } from './delivery.js';

export interface Receiver {
  readonly name: string;
  readonly observers: number;
  /** The Redis channel to publish on (for nestjs-store: the store's prefixed channel name). */
  readonly redisChannel: string;
  /** Attaches the observers (SUBSCRIBE may still be on its way when this returns). */
  attach(sink: DeliverySink): Promise<void>;
  /** Publishes message `seq` through the system's own API; resolves to the receiver count Redis reports. */
  publishOwn(seq: number, t: number): Promise<number>;
  /** Detaches every observer and closes what the receiver opened. */
  detach(): Promise<void>;
}

export type StoreObservers = 'one channel()' | 'channel() each';

/**
 * nestjs-store: `observers` subscriptions to `store.channel(name)`, either all on one Observable
 * (`one channel()`) or each on its own `store.channel(name)` (`channel() each`).
 */
export function storeReceiver(
  name: string,
  store: StoreService,
  channel: string,
  observers: number,
  shape: StoreObservers,
): Receiver {
  const subscriptions: Subscription[] = [];
  return {
    name,
    observers,
    redisChannel: store.redisChannel(channel),
    attach: async (sink) => {
      const shared = store.channel<BenchMessage>(channel);
      for (let i = 0; i < observers; i++) {
        const observable: Observable<BenchMessage> =
          shape === 'one channel()' ? shared : store.channel<BenchMessage>(channel);
        subscriptions.push(
          observable.subscribe({
            next: (message) => sink.deliver(i, message),
            error: (error: unknown) =>
              sink.fail(`observer ${i}: the Observable errored: ${String(error)}`),
            complete: () => sink.fail(`observer ${i}: the Observable completed`),
          }),
        );
      }
    },
    publishOwn: (seq, t) => store.publish(channel, messageOf(seq, t)),
    detach: async () => {
      for (const subscription of subscriptions.splice(0)) subscription.unsubscribe();
    },
  };
}

export type RawListeners = 'listener each' | 'one listener';

/**
 * raw ioredis: its own subscriber connection; `listener each` attaches `observers` `message`
 * listeners (each checks the channel and parses), `one listener` parses once and calls
 * `observers` callbacks.
 */
export function rawReceiver(
  name: string,
  url: string,
  publisher: Redis,
  channel: string,
  observers: number,
  shape: RawListeners,
): Receiver {
  let subscriber: Redis | undefined;
  return {
    name,
    observers,
    redisChannel: channel,
    attach: async (sink) => {
      subscriber = new Redis(url);
      subscriber.setMaxListeners(observers + 10);
      if (shape === 'listener each') {
        for (let i = 0; i < observers; i++) {
          subscriber.on('message', (from: string, text: string) => {
            if (from === channel) sink.deliver(i, JSON.parse(text) as BenchMessage);
          });
        }
      } else {
        subscriber.on('message', (from: string, text: string) => {
          if (from !== channel) return;
          const message = JSON.parse(text) as BenchMessage;
          for (let i = 0; i < observers; i++) sink.deliver(i, message);
        });
      }
      await subscriber.subscribe(channel);
    },
    publishOwn: (seq, t) => publisher.publish(channel, messageJson(seq, t)),
    detach: async () => {
      if (!subscriber) return;
      subscriber.removeAllListeners('message');
      await subscriber.quit();
      subscriber = undefined;
    },
  };
}
