import { channel } from 'node:diagnostics_channel';
import {
  STREAM_ACKED_CHANNEL,
  STREAM_CLAIMED_CHANNEL,
  STREAM_DELIVERED_CHANNEL,
} from './channel-names.js';
import { scopeOf } from './event-scope.js';
import type {
  StreamAckedEvent,
  StreamClaimedEvent,
  StreamConsumerEvent,
  StreamMessageEvent,
} from './stream.events.js';

const delivered = channel(STREAM_DELIVERED_CHANNEL);
const acked = channel(STREAM_ACKED_CHANNEL);
const claimed = channel(STREAM_CLAIMED_CHANNEL);

/** The stream being read (a `StreamSource` is one). */
export interface StreamRef {
  keyPrefix: string;
  /** The full Redis key. */
  key: string;
  /** The user-facing name. */
  name: string;
}

/** The consumer reading it (resolved stream options are one). */
export interface ConsumerRef {
  group: string;
  consumer: string;
  claimIdleMs: number;
}

/** One delivered entry (a `RawDelivery` is one). */
export interface DeliveryRef {
  id: string;
  deliveryCount: number;
}

/** Publishes `stream.delivered` for `delivery`, handed to the observer of `consumer`. */
export function publishStreamDelivered(
  stream: StreamRef,
  consumer: ConsumerRef,
  delivery: DeliveryRef,
): void {
  if (!delivered.hasSubscribers) return;
  delivered.publish(messageEvent(stream, consumer, delivery));
}

/**
 * Publishes `stream.acked`: `delivery`, delivered at `deliveredAt` (`performance.now()`), is
 * acknowledged.
 */
export function publishStreamAcked(
  stream: StreamRef,
  consumer: ConsumerRef,
  delivery: DeliveryRef,
  deliveredAt: number,
): void {
  if (!acked.hasSubscribers) return;
  const event: StreamAckedEvent = {
    ...messageEvent(stream, consumer, delivery),
    heldMs: performance.now() - deliveredAt,
  };
  acked.publish(event);
}

/** Publishes `stream.claimed` when `deliveries` (just claimed by `consumer`) holds any. */
export function publishStreamClaimed(
  stream: StreamRef,
  consumer: ConsumerRef,
  deliveries: readonly DeliveryRef[],
): void {
  if (!claimed.hasSubscribers || deliveries.length === 0) return;
  const event: StreamClaimedEvent = {
    ...consumerEvent(stream, consumer),
    ids: deliveries.map((delivery) => delivery.id),
    minIdleMs: consumer.claimIdleMs,
  };
  claimed.publish(event);
}

function consumerEvent(stream: StreamRef, consumer: ConsumerRef): StreamConsumerEvent {
  return {
    ...scopeOf(stream.keyPrefix, stream.key, stream.name),
    stream: stream.name,
    redisKey: stream.key,
    group: consumer.group,
    consumer: consumer.consumer,
  };
}

function messageEvent(
  stream: StreamRef,
  consumer: ConsumerRef,
  delivery: DeliveryRef,
): StreamMessageEvent {
  return {
    ...consumerEvent(stream, consumer),
    id: delivery.id,
    deliveryCount: delivery.deliveryCount,
  };
}
