import type { StoreEventScope } from './event-scope.js';

/**
 * Payload of `pubsub.delivered`: one message decoded and handed to one subscription (a `subscribe`
 * handler or an `@OnChannel` method; a channel or pattern Observable counts once however many
 * observers share it).
 */
export interface PubSubMessageEvent extends StoreEventScope {
  /** The channel as the store (or namespace) names it. */
  channel: string;
  /** The Redis channel: `keyPrefix`, the namespace segments, then `channel`. */
  redisChannel: string;
}

/**
 * Payload of `pubsub.skipped`: a message the serializer could not read, skipped (and counted in
 * `skippedMessages`).
 */
export interface PubSubSkippedEvent extends PubSubMessageEvent {
  /** Why it could not be read (a `StoreSerializationError`). */
  error: unknown;
}
