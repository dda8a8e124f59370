import { SetMetadata } from '@nestjs/common';
import { assertStoreOption } from '../../common/validation.js';
import type { StoreSubscriptionTarget } from '../../engine/pubsub/store-pubsub.js';
import { ON_CHANNEL_METADATA } from './pubsub.constants.js';

/** Options of `@OnChannel`. */
export interface OnChannelOptions {
  /** The store to listen on: a `name` registered with `forRoot`. Default: the default store. */
  store?: string;
}

/** One `@OnChannel` of a method: what it listens to, on which store. */
export interface OnChannelListener {
  target: StoreSubscriptionTarget;
  store?: string;
}

/** What `@OnChannel` records on a provider method: one listener per decorator. */
export type OnChannelMetadata = OnChannelListener[];

/**
 * Subscribes a provider method to a channel, or to every channel matching `{ pattern }`, when the
 * application boots, and unsubscribes it when the application shuts down (like `@OnEvent` of
 * `@nestjs/event-emitter`). The method is called with the deserialized message and the channel
 * name; a thrown error or rejected promise is logged and the subscription stays. Stack the
 * decorator to listen to several channels. Singleton providers only. In a module that imports
 * `StoreModule.forFeature({ namespace })`, the channel is the namespace's.
 *
 * ```ts
 * @OnChannel('user-events')
 * async onUserEvent(event: UserEvent) { await this.store.invalidateTags([`user:${event.id}`]); }
 * ```
 */
export function OnChannel(
  target: StoreSubscriptionTarget,
  options: OnChannelOptions = {},
): MethodDecorator {
  const store = options?.store;
  assertStoreOption(store, '@OnChannel');
  return (prototype, methodName, descriptor) => {
    const method = descriptor.value as object;
    const listeners =
      (Reflect.getMetadata(ON_CHANNEL_METADATA, method) as OnChannelMetadata | undefined) ?? [];
    const listener: OnChannelListener = store === undefined ? { target } : { target, store };
    SetMetadata(ON_CHANNEL_METADATA, [...listeners, listener])(prototype, methodName, descriptor);
  };
}
