import type { Cluster, Redis } from 'ioredis';
import type { ConnectionProbe } from '../store-driver.interface.js';
import type {
  RawClaim,
  RawDelivery,
  RawStreamEntry,
  StreamDriver,
  StreamGroupStart,
  StreamReader,
} from '../stream-driver.interface.js';
import {
  parseAutoClaim,
  parseDeliveryCount,
  parseEntries,
  parseReadGroup,
} from './redis-stream-replies.js';
import { replyCodeOf } from '../../errors/reply-code.js';
import { fail, toStoreError } from './redis-errors.js';
import { isCluster } from './redis-topology.js';
import { RENEW_PENDING } from './stream-scripts.js';

/**
 * Redis Streams over the command client; blocking reads each get a duplicate connection. Every
 * command names one stream key, so on a Cluster each goes to that key's node.
 */
export class RedisStreams implements StreamDriver {
  private readonly readers = new Set<RedisStreamReader>();
  private closed = false;

  constructor(
    private readonly client: Redis | Cluster,
    /**
     * How long a reply may take beyond a read's own BLOCK time before its connection counts as
     * dead.
     */
    private readonly replyTimeoutMs: number,
  ) {}

  async add(key: string, fields: string[], maxLen: number | undefined): Promise<string> {
    const trim = maxLen === undefined ? [] : ['MAXLEN', '~', maxLen];
    return String(
      await this.client.call('xadd', key, ...trim, '*', ...fields).catch(fail('append')),
    );
  }

  async createGroup(key: string, group: string, start: StreamGroupStart): Promise<void> {
    try {
      await this.client.call('xgroup', 'CREATE', key, group, start, 'MKSTREAM');
    } catch (error) {
      if (replyCodeOf(error) === 'BUSYGROUP') return;
      throw toStoreError(error, 'stream group create');
    }
  }

  async readPending(
    key: string,
    group: string,
    consumer: string,
    afterId: string,
    count: number,
  ): Promise<RawDelivery[]> {
    const reply = await this.client
      .call('xreadgroup', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS', key, afterId)
      .catch(fail('stream read'));
    return this.withDeliveryCounts(key, group, parseReadGroup(reply));
  }

  async claimIdle(
    key: string,
    group: string,
    consumer: string,
    minIdleMs: number,
    cursor: string,
    count: number,
  ): Promise<RawClaim> {
    const reply = await this.client
      .call('xautoclaim', key, group, consumer, minIdleMs, cursor, 'COUNT', count)
      .catch(fail('stream claim'));
    const { cursor: next, entries, deleted } = parseAutoClaim(reply);
    return { cursor: next, claimed: await this.withDeliveryCounts(key, group, entries), deleted };
  }

  async renew(key: string, group: string, consumer: string, ids: string[]): Promise<void> {
    if (ids.length > 0)
      await RENEW_PENDING.run(this.client, [key], [group, consumer, ...ids]).catch(
        fail('stream renew'),
      );
  }

  async ack(key: string, group: string, ids: string[]): Promise<number> {
    return Number(await this.client.call('xack', key, group, ...ids).catch(fail('stream ack')));
  }

  async range(key: string, start: string, end: string, count: number): Promise<RawStreamEntry[]> {
    return parseEntries(
      await this.client.call('xrange', key, start, end, 'COUNT', count).catch(fail('replay')),
    );
  }

  openReader(maxBlockMs: number): StreamReader | null {
    if (this.closed) return null;
    const reader = new RedisStreamReader(
      duplicate(this.client, maxBlockMs + this.replyTimeoutMs),
      () => this.readers.delete(reader),
    );
    this.readers.add(reader);
    return reader;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const reader of [...this.readers]) reader.close();
  }

  /** A health probe of the blocking-read connections (by count: a PING waits behind a read). */
  probe(): ConnectionProbe[] {
    if (this.readers.size === 0) return [];
    const down = [...this.readers].filter((reader) => !reader.connected).length;
    const connection = `stream readers (${this.readers.size})`;
    if (down === 0) return [{ connection, ok: true }];
    return [{ connection, ok: false, error: `${down} of ${this.readers.size} not connected` }];
  }

  /**
   * Redelivered entries (own history, claims) with their delivery counts from XPENDING, one
   * auto-pipelined round trip. An entry taken by another consumer in between is reported as at
   * least a second delivery, which any redelivery is.
   */
  private async withDeliveryCounts(
    key: string,
    group: string,
    entries: RawStreamEntry[],
  ): Promise<RawDelivery[]> {
    const counts = await Promise.all(
      entries.map((entry) => this.client.call('xpending', key, group, entry.id, entry.id, 1)),
    ).catch(fail('stream read'));
    return entries.map((entry, i) => ({
      ...entry,
      deliveryCount: parseDeliveryCount(counts[i]) ?? 2,
    }));
  }
}

/** One consumer's blocking-read connection. */
class RedisStreamReader implements StreamReader {
  readonly closed: Promise<void>;
  private markClosed!: () => void;
  private isClosed = false;
  /**
   * Rejects when the reader closes, ending a read under way even when the connection never answers
   * it: a Cluster disconnected while still connecting keeps its queued commands forever.
   */
  private readonly closing: Promise<never>;
  private endReads!: (error: Error) => void;

  constructor(
    private readonly connection: Redis | Cluster,
    private readonly onClose: () => void,
  ) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    this.closing = new Promise<never>((_, reject) => (this.endReads = reject));
    // A reader may close with no read under way: then nobody awaits this rejection.
    this.closing.catch(() => undefined);
    // The read loop reports failures itself (rate-limited); without a listener ioredis would print
    // each one.
    connection.on('error', () => undefined);
  }

  /** Whether its connection is ready. */
  get connected(): boolean {
    return this.connection.status === 'ready';
  }

  async readNew(
    key: string,
    group: string,
    consumer: string,
    count: number,
    blockMs: number,
  ): Promise<RawDelivery[]> {
    const read = this.connection.call(
      'xreadgroup',
      'GROUP',
      group,
      consumer,
      'COUNT',
      count,
      'BLOCK',
      blockMs,
      'STREAMS',
      key,
      '>',
    );
    const reply = await Promise.race([read, this.closing]).catch(fail('stream read'));
    return parseReadGroup(reply).map((entry) => ({ ...entry, deliveryCount: 1 }));
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.endReads(new Error('Connection is closed.'));
    this.connection.disconnect();
    this.onClose();
    this.markClosed();
  }
}

/**
 * A new connection like the command client's, whose socket may stay silent for a whole BLOCK: a
 * reply is expected within `socketTimeout` (the longest block plus the usual reply time), so a
 * frozen server still drops the connection and the read loop retries.
 */
function duplicate(client: Redis | Cluster, socketTimeout: number): Redis | Cluster {
  // Cluster: redisOptions is replaced as a whole, so carry the original's (auth, TLS, ...) over.
  if (isCluster(client))
    return client.duplicate([], {
      redisOptions: { ...client.options.redisOptions, socketTimeout, commandTimeout: undefined },
    });
  return client.duplicate({ socketTimeout, commandTimeout: undefined });
}
