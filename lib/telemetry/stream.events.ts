import type { StoreEventScope } from './event-scope.js';

/** The consumer a stream event is about. */
export interface StreamConsumerEvent extends StoreEventScope {
  /** The stream as the store (or namespace) names it. */
  stream: string;
  /** The stream's Redis key: `keyPrefix`, the namespace segments, then `stream`. */
  redisKey: string;
  /** The consumer group. */
  group: string;
  /** The consumer within the group. */
  consumer: string;
}

/** Payload of `stream.delivered`: one message handed to the consumer's observer. */
export interface StreamMessageEvent extends StreamConsumerEvent {
  /** The entry id. */
  id: string;
  /** How many times the group has delivered it, this time included (above 1: a redelivery). */
  deliveryCount: number;
}

/** Payload of `stream.acked`: a delivered message acknowledged by its `ack()`. */
export interface StreamAckedEvent extends StreamMessageEvent {
  /** From delivery until the acknowledgement settled, in ms: the handler's time plus the XACK. */
  heldMs: number;
}

/**
 * Payload of `stream.claimed`: messages other consumers left idle, taken over by this one
 * (XAUTOCLAIM).
 */
export interface StreamClaimedEvent extends StreamConsumerEvent {
  /** The ids taken over (each is then delivered, `stream.delivered`). */
  ids: string[];
  /** How long they had been idle at least, in ms (the stream's `claimIdleMs`). */
  minIdleMs: number;
}
