import { channel } from 'node:diagnostics_channel';
import { PUBSUB_DELIVERED_CHANNEL, PUBSUB_SKIPPED_CHANNEL } from './channel-names.js';
import type { PubSubMessageEvent, PubSubSkippedEvent } from './pubsub.events.js';

const delivered = channel(PUBSUB_DELIVERED_CHANNEL);
const skipped = channel(PUBSUB_SKIPPED_CHANNEL);

/**
 * Where a store's channels live (a `KeySpace` is one): `prefix + scope + name` is the Redis channel
 * of `name`.
 */
export interface ChannelSpace {
  readonly prefix: string;
  /** The namespace segments, each followed by `:`; `''` for the root store. */
  readonly scope: string;
}

/** Publishes `pubsub.delivered` for one message on `name`, a channel of `space`. */
export function publishPubSubDelivered(space: ChannelSpace, name: string): void {
  if (!delivered.hasSubscribers) return;
  delivered.publish(messageEvent(space, name));
}

/** Publishes `pubsub.skipped` for one unreadable message on `name`. */
export function publishPubSubSkipped(space: ChannelSpace, name: string, error: unknown): void {
  if (!skipped.hasSubscribers) return;
  const event: PubSubSkippedEvent = { ...messageEvent(space, name), error };
  skipped.publish(event);
}

function messageEvent(space: ChannelSpace, name: string): PubSubMessageEvent {
  return {
    keyPrefix: space.prefix,
    namespace: space.scope.slice(0, -1),
    channel: name,
    redisChannel: space.prefix + space.scope + name,
  };
}
