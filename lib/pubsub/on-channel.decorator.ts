import { SetMetadata } from '@nestjs/common';
import type { StoreSubscriptionTarget } from './store-pubsub.js';
import { ON_CHANNEL_METADATA } from './pubsub.constants.js';

/** What `@OnChannel` records: the channel (or `{ pattern }`) a provider method listens to. */
export type OnChannelMetadata = StoreSubscriptionTarget[];

/**
 * Subscribes a provider method to a channel, or to every channel matching `{ pattern }`, when the
 * application boots, and unsubscribes it when the application shuts down (like `@OnEvent` of
 * `@nestjs/event-emitter`). The method is called with the deserialized message and the channel
 * name; a thrown error or rejected promise is logged and the subscription stays. Stack the
 * decorator to listen to several channels. Singleton providers only.
 *
 * ```ts
 * @OnChannel('user-events')
 * async onUserEvent(event: UserEvent) { await this.store.invalidateTags([`user:${event.id}`]); }
 * ```
 */
export function OnChannel(target: StoreSubscriptionTarget): MethodDecorator {
  return (prototype, methodName, descriptor) => {
    const method = descriptor.value as object;
    const targets = (Reflect.getMetadata(ON_CHANNEL_METADATA, method) as OnChannelMetadata | undefined) ?? [];
    SetMetadata(ON_CHANNEL_METADATA, [...targets, target])(prototype, methodName, descriptor);
  };
}
