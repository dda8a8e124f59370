import { StoreConnectionError } from '../../errors/store.errors.js';
import type {
  RawClaim,
  RawDelivery,
  RawStreamEntry,
  StreamDriver,
  StreamGroupStart,
  StreamReader,
} from '../stream-driver.interface.js';
import { MemoryStream, noGroup } from './memory-stream.js';

/**
 * Streams in process with the Redis driver's behaviour: streams by key, blocking reads woken by
 * appends (or given up at their BLOCK time), NOGROUP for a missing stream or group, and readers
 * that fail their read under way when closed, as a closed connection does.
 */
export class MemoryStreams implements StreamDriver {
  private readonly streams = new Map<string, MemoryStream>();
  private readonly appendWaiters = new Map<string, Set<() => void>>();
  private readonly readers = new Set<MemoryStreamReader>();
  private closed = false;

  async add(key: string, fields: string[], maxLen: number | undefined): Promise<string> {
    const id = this.stream(key).add(fields, maxLen);
    const waiters = this.appendWaiters.get(key);
    this.appendWaiters.delete(key);
    for (const wake of waiters ?? []) wake();
    return id;
  }

  async createGroup(key: string, group: string, start: StreamGroupStart): Promise<void> {
    this.stream(key).createGroup(group, start);
  }

  async readPending(
    key: string,
    group: string,
    consumer: string,
    afterId: string,
    count: number,
  ): Promise<RawDelivery[]> {
    return this.existing(key, group, 'stream read').readPending(
      key,
      group,
      consumer,
      afterId,
      count,
    );
  }

  async claimIdle(
    key: string,
    group: string,
    consumer: string,
    minIdleMs: number,
    cursor: string,
    count: number,
  ): Promise<RawClaim> {
    return this.existing(key, group, 'stream claim').claimIdle(
      key,
      group,
      consumer,
      minIdleMs,
      cursor,
      count,
    );
  }

  async renew(key: string, group: string, consumer: string, ids: string[]): Promise<void> {
    if (ids.length > 0) this.existing(key, group, 'stream renew').renew(key, group, consumer, ids);
  }

  async ack(key: string, group: string, ids: string[]): Promise<number> {
    return this.streams.get(key)?.ack(group, ids) ?? 0;
  }

  async range(key: string, start: string, end: string, count: number): Promise<RawStreamEntry[]> {
    return this.streams.get(key)?.range(start, end, count) ?? [];
  }

  openReader(): StreamReader | null {
    if (this.closed) return null;
    const reader = new MemoryStreamReader(this, () => this.readers.delete(reader));
    this.readers.add(reader);
    return reader;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const reader of [...this.readers]) reader.close();
    this.streams.clear();
  }

  /** XREADGROUP `>` without blocking. */
  readNew(key: string, group: string, consumer: string, count: number): RawDelivery[] {
    return this.existing(key, group, 'stream read').readNew(key, group, consumer, count);
  }

  /**
   * Resolves at the next append to `key`, after `ms`, or when the `stop` it hands to `onWait` is
   * called.
   */
  nextAppend(key: string, ms: number, onWait: (stop: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.appendWaiters.get(key) ?? new Set<() => void>();
      this.appendWaiters.set(key, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
      onWait(done);
    });
  }

  /** The stream at `key`, created empty when missing (XADD and XGROUP CREATE ... MKSTREAM). */
  private stream(key: string): MemoryStream {
    let stream = this.streams.get(key);
    if (!stream) {
      stream = new MemoryStream();
      this.streams.set(key, stream);
    }
    return stream;
  }

  private existing(key: string, group: string, operation: string): MemoryStream {
    const stream = this.streams.get(key);
    if (!stream) throw noGroup(operation, key, group);
    return stream;
  }
}

/** A blocking reader: waits for appends in process instead of on a connection. */
class MemoryStreamReader implements StreamReader {
  readonly closed: Promise<void>;
  private markClosed!: () => void;
  private isClosed = false;
  private stopWaiting: () => void = () => undefined;

  constructor(
    private readonly streams: MemoryStreams,
    private readonly onClose: () => void,
  ) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
  }

  async readNew(
    key: string,
    group: string,
    consumer: string,
    count: number,
    blockMs: number,
  ): Promise<RawDelivery[]> {
    const deadline = Date.now() + blockMs;
    for (;;) {
      if (this.isClosed)
        throw new StoreConnectionError('stream read', new Error('Connection is closed.'));
      const found = this.streams.readNew(key, group, consumer, count);
      const left = deadline - Date.now();
      if (found.length > 0 || left <= 0) return found;
      await this.streams.nextAppend(key, left, (stop) => (this.stopWaiting = stop));
    }
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.stopWaiting();
    this.onClose();
    this.markClosed();
  }
}
