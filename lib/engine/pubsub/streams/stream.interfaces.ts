/** Options of `append`. */
export interface StoreAppendOptions {
  /**
   * Keep about this many entries, dropping the oldest (`MAXLEN ~ n`). Redis trims whole internal
   * nodes only, so somewhat more may remain; the memory driver trims to exactly `maxLen`.
   * A positive safe integer. Default: no trimming.
   */
  maxLen?: number;
}

/**
 * Where a consumer group that does not exist yet starts reading: new entries only (`$`) or the
 * whole stream (`0`).
 */
export type StreamStart = '$' | '0';

/** Options of `stream`. */
export interface StoreStreamOptions {
  /**
   * The consumer group: every group gets every message; the consumers of one group share them.
   * Created on first use.
   */
  group: string;
  /**
   * This consumer's name within the group, unique among the consumers running at once (an
   * instance id, a pod name). A consumer that restarts under the same name first gets back the
   * messages it had received and not acknowledged.
   */
  consumer: string;
  /**
   * The most messages this consumer holds delivered and not yet acknowledged; no new read is made
   * while that many are held. A positive integer up to 1000. Default: 10.
   */
  batchSize?: number;
  /**
   * How long one read waits on the server for new messages (XREADGROUP BLOCK), in ms. A positive
   * integer. Default: 1000.
   */
  blockMs?: number;
  /**
   * Messages delivered to another consumer and left unacknowledged this long (in ms) are taken over
   * (XAUTOCLAIM). A live consumer renews its hold on the messages it is handling, so this only
   * moves the messages of a consumer that died, disconnected or unsubscribed. A positive integer.
   * Default: 30000.
   */
  claimIdleMs?: number;
  /**
   * Where the group starts when this call creates it: `$` (only messages appended from now on) or
   * `0` (the whole stream). Default: `$`.
   */
  startFrom?: StreamStart;
}

/** A message delivered from a stream to one consumer of a group. */
export interface StreamMessage<T> {
  /** The entry id (`<ms>-<seq>`). */
  id: string;
  /** The stream's name, as given to `stream()` (without prefix or namespace). */
  stream: string;
  /** The deserialized message. */
  message: T;
  /** How many times this message has been delivered: 1 the first time, more when redelivered. */
  deliveryCount: number;
  /**
   * Acknowledges the message: it leaves the group's pending list and is never delivered to this
   * group again. Call it once the message has been handled; until then it counts against
   * `batchSize` and is redelivered if this consumer goes away. Idempotent. While the consumer is
   * subscribed, a lost connection is retried until the acknowledgement goes through.
   */
  ack(): Promise<void>;
}

/** A point in a stream: an entry id (`<ms>-<seq>`, `-`, `+`), a `Date`, or epoch milliseconds. */
export type StreamPosition = string | Date | number;

/** Options of `replay`. */
export interface StoreReplayOptions {
  /**
   * First entry to read (inclusive): an id, or a time (the first entry appended at or after it).
   */
  from: StreamPosition;
  /**
   * Last entry to read (inclusive): an id, or a time (the last entry appended at or before it).
   * Default: the end of the stream.
   */
  to?: StreamPosition;
  /** The most messages to emit. A positive integer. Default: all in the range. */
  count?: number;
}

/** An entry read back by `replay`. */
export interface StreamEntry<T> {
  /** The entry id (`<ms>-<seq>`). */
  id: string;
  /** The stream's name, as given to `replay()`. */
  stream: string;
  /** The deserialized message. */
  message: T;
  /** When the entry was appended (epoch ms, from its id). */
  timestamp: number;
}
