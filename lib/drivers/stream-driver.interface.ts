import { StoreCommandError } from '../errors/store.errors.js';

/**
 * One stream entry: its id and flat field/value list; `null` fields for a pending entry since
 * trimmed from the stream.
 */
export interface RawStreamEntry {
  id: string;
  fields: string[] | null;
}

/**
 * An entry delivered to a consumer of a group, with how many times it has been delivered (1: the
 * first time).
 */
export interface RawDelivery extends RawStreamEntry {
  deliveryCount: number;
}

/** What one XAUTOCLAIM answered. */
export interface RawClaim {
  /** Where the next scan of the group's pending list starts; `0-0` once the scan went round. */
  cursor: string;
  /** Entries the claiming consumer now owns. */
  claimed: RawDelivery[];
  /**
   * Ids dropped from the pending list because their entries no longer exist (trimmed or deleted).
   */
  deleted: string[];
}

/** Where a new consumer group starts: after the last entry (`$`) or at the first (`0`). */
export type StreamGroupStart = '$' | '0';

/**
 * A connection of its own for blocking reads (XREADGROUP BLOCK): a blocked read never holds the
 * command connection that every other store call shares.
 */
export interface StreamReader {
  /**
   * Entries never delivered to the group (`>`), now delivered to `consumer`; waits up to `blockMs`
   * for some; `[]` if none came.
   */
  readNew(
    key: string,
    group: string,
    consumer: string,
    count: number,
    blockMs: number,
  ): Promise<RawDelivery[]>;
  /** Resolves once the reader is closed, by `close()` or by the driver closing. */
  readonly closed: Promise<void>;
  /** Closes the connection; a read under way ends (rejects, or resolves empty). */
  close(): void;
}

/**
 * Raw Redis Streams operations on full keys (each touches one key: one slot on a Cluster).
 * Implemented over ioredis and in memory with the same semantics, including the errors: a read,
 * claim or renewal on a missing stream or group fails with `StoreCommandError` (`replyCode`
 * NOGROUP).
 */
export interface StreamDriver {
  /**
   * XADD `*` with `fields`; trims to about `maxLen` entries when given (`MAXLEN ~`). Resolves to
   * the new id.
   */
  add(key: string, fields: string[], maxLen: number | undefined): Promise<string>;
  /** XGROUP CREATE ... MKSTREAM; a group that already exists is left as it is. */
  createGroup(key: string, group: string, start: StreamGroupStart): Promise<void>;
  /**
   * XREADGROUP from `consumer`'s own pending list, ids after `afterId` (history: counts another
   * delivery).
   */
  readPending(
    key: string,
    group: string,
    consumer: string,
    afterId: string,
    count: number,
  ): Promise<RawDelivery[]>;
  /**
   * XAUTOCLAIM: takes over up to `count` entries pending at least `minIdleMs`, scanning from
   * `cursor`.
   */
  claimIdle(
    key: string,
    group: string,
    consumer: string,
    minIdleMs: number,
    cursor: string,
    count: number,
  ): Promise<RawClaim>;
  /**
   * Resets the idle time of those `ids` that `consumer` still owns (its lease on them), without
   * counting a delivery.
   */
  renew(key: string, group: string, consumer: string, ids: string[]): Promise<void>;
  /** XACK; resolves to how many of `ids` were pending. */
  ack(key: string, group: string, ids: string[]): Promise<number>;
  /** XRANGE `start` `end` COUNT `count` (`-`, `+`, ids, `ms` and `(id` exclusive bounds). */
  range(key: string, start: string, end: string, count: number): Promise<RawStreamEntry[]>;
  /**
   * Opens a reader for blocking reads of at most `maxBlockMs`, closed with the driver at the
   * latest; `null` once the driver is closed.
   */
  openReader(maxBlockMs: number): StreamReader | null;
  /** Closes every reader still open; no reader opens after this. */
  close(): Promise<void>;
}

/**
 * Whether a stream command failed because the stream or its group does not exist (e.g. lost with a
 * restart): `replyCode` NOGROUP.
 */
export function isMissingGroup(error: unknown): boolean {
  return error instanceof StoreCommandError && error.replyCode === 'NOGROUP';
}
