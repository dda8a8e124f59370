import type { Observable } from 'rxjs';
import type { EntryStore } from '../cache/entry-store.js';
import { messageOf } from '../../errors/store.errors.js';
import { assertFunction, assertName } from '../../common/validation.js';
import type { StoreConnectionState, Unsubscribe } from '../../drivers/store-driver.interface.js';
import type { KeySpace } from '../../keys/key-space.js';
import type { StoreContext } from '../store-context.js';
import { SKIP } from './shared-subscription.js';
import { publishPubSubDelivered, publishPubSubSkipped } from '../../telemetry/pubsub.telemetry.js';

/** A message of `pattern()`: the channel it was published on (within the store) and the message. */
export interface StorePatternMessage<T> {
  channel: string;
  message: T;
}

/** Handler of `subscribe`: receives each deserialized message and the channel name it came on. */
export type StoreMessageHandler<T> = (message: T, channel: string) => void | Promise<void>;

/**
 * What `subscribe` and `@OnChannel` listen to: a channel name, or `{ pattern }` for a glob of
 * channels.
 */
export type StoreSubscriptionTarget = string | { pattern: string };

/**
 * Pub/sub of one store or namespace: channel names map into the store's key space, messages go
 * through the store's serializer, and unreadable messages are skipped, counted and logged.
 */
export class StorePubSub {
  constructor(
    private readonly context: StoreContext,
    private readonly keys: KeySpace,
    private readonly entries: EntryStore,
  ) {}

  get connectionState$(): Observable<StoreConnectionState> {
    return this.context.channels.connectionState$;
  }

  async publish<T>(channel: string, message: T): Promise<number> {
    this.assertChannel(channel);
    const payload = this.entries.serialize(channel, message);
    return this.context.driver.publish(this.keys.channel(channel), payload);
  }

  async subscribe<T>(
    target: StoreSubscriptionTarget,
    handler: StoreMessageHandler<T>,
  ): Promise<Unsubscribe> {
    assertFunction(handler, 'handler');
    const onMessage = (message: T, channel: string) => {
      const result = handler(message, channel);
      if (result instanceof Promise) {
        result.catch((error: unknown) =>
          this.context.logger.error(
            `A subscriber of channel "${channel}" failed: ${messageOf(error)}`,
          ),
        );
      }
    };
    if (typeof target === 'object' && target !== null) {
      const redisPattern = this.patternOf(target.pattern);
      return this.context.driver.psubscribe(redisPattern, (raw, redisChannel) => {
        if (this.keys.isInternal(redisChannel)) return;
        const channel = this.keys.channelName(redisChannel);
        const message = this.decode<T>(channel, raw);
        if (message !== SKIP) onMessage(message, channel);
      });
    }
    this.assertChannel(target);
    return this.context.driver.subscribe(this.keys.channel(target), (raw) => {
      const message = this.decode<T>(target, raw);
      if (message !== SKIP) onMessage(message, target);
    });
  }

  channel<T>(name: string): Observable<T> {
    this.assertChannel(name);
    const redisChannel = this.keys.channel(name);
    return this.context.channels.observe<T>(
      `c:${redisChannel}`,
      (listener) => this.context.driver.subscribe(redisChannel, listener),
      (raw) => this.decode<T>(name, raw),
    );
  }

  pattern<T>(glob: string): Observable<StorePatternMessage<T>> {
    const redisPattern = this.patternOf(glob);
    return this.context.channels.observe<StorePatternMessage<T>>(
      `p:${redisPattern}`,
      (listener) => this.context.driver.psubscribe(redisPattern, listener),
      (raw, redisChannel) => {
        // A root pattern such as `*` also matches the library's own channels: never hand those out.
        if (this.keys.isInternal(redisChannel)) return SKIP;
        const channel = this.keys.channelName(redisChannel);
        const message = this.decode<T>(channel, raw);
        return message === SKIP ? SKIP : { channel, message };
      },
    );
  }

  private decode<T>(channel: string, raw: string): T | typeof SKIP {
    let message: T;
    try {
      message = this.entries.deserialize<T>(channel, raw);
    } catch (error) {
      this.context.malformed.record(channel, messageOf(error));
      publishPubSubSkipped(this.keys, channel, error);
      return SKIP;
    }
    publishPubSubDelivered(this.keys, channel);
    return message;
  }

  private assertChannel(channel: unknown): asserts channel is string {
    assertName(channel, 'channel', this.context.options.maxKeyLength);
  }

  private patternOf(glob: unknown): string {
    assertName(glob, 'pattern', this.context.options.maxKeyLength);
    return this.keys.channelPattern(glob);
  }
}
