/** Driver classes as a third party writes them, wrapping the memory driver: core only, core and pub/sub, everything. */
import type {
  CompleteDriver,
  ConnectionProbe,
  RateLimitArgs,
  RateLimitKeys,
  RateLimitScript,
  RawEntry,
  RawHash,
  RawMessageListener,
  RawRateLimitReply,
  RawValue,
  StoreConnectionState,
  StoreDriver,
  Unsubscribe,
} from '../../lib/drivers/store-driver.interface.js';
import type { StreamDriver } from '../../lib/drivers/stream-driver.interface.js';

/**
 * A driver as a third party writes a first one: only the core of `StoreDriver` (no tags, leases,
 * rate limits, pub/sub or streams), here by handing every call to a wrapped backend (the memory
 * driver, as an author might wrap a client).
 */
export class CoreOnlyDriver implements StoreDriver {
  readonly kind = 'memory' as const;
  readonly client = null;

  constructor(protected readonly inner: CompleteDriver) {}

  get<R>(key: string, decode: (raw: string | null) => R | PromiseLike<R>): Promise<R> {
    return this.inner.get(key, decode);
  }
  read<R>(
    key: string,
    decode: (raw: RawValue) => R | PromiseLike<R>,
    expect: 'string' | 'hash',
  ): Promise<R> {
    return this.inner.read(key, decode, expect);
  }
  mget(keys: string[]): Promise<RawValue[]> {
    return this.inner.mget(keys);
  }
  set(key: string, value: string, ttlMs?: number): Promise<void> {
    return this.inner.set(key, value, ttlMs);
  }
  setHash(key: string, fields: RawHash, ttlMs?: number): Promise<void> {
    return this.inner.setHash(key, fields, ttlMs);
  }
  mset(entries: RawEntry[]): Promise<void> {
    return this.inner.mset(entries);
  }
  delete(keys: string[]): Promise<number> {
    return this.inner.delete(keys);
  }
  incrBy(key: string, by: number): Promise<number> {
    return this.inner.incrBy(key, by);
  }
  pexpire(key: string, ttlMs: number): Promise<boolean> {
    return this.inner.pexpire(key, ttlMs);
  }
  pttl(key: string): Promise<number> {
    return this.inner.pttl(key);
  }
  deleteByPattern(pattern: string, keep: string): Promise<number> {
    return this.inner.deleteByPattern(pattern, keep);
  }
  connectionState(): StoreConnectionState {
    return this.inner.connectionState();
  }
  onConnectionState(listener: (state: StoreConnectionState) => void): () => void {
    return this.inner.onConnectionState(listener);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The same third party's driver with the core and pub/sub. */
export class PubSubOnlyDriver extends CoreOnlyDriver {
  onSubscriberReconnect(listener: () => void): () => void {
    return this.inner.onSubscriberReconnect(listener);
  }
  publish(channel: string, message: string): Promise<number> {
    return this.inner.publish(channel, message);
  }
  subscribe(channel: string, listener: RawMessageListener): Promise<Unsubscribe> {
    return this.inner.subscribe(channel, listener);
  }
  psubscribe(pattern: string, listener: RawMessageListener): Promise<Unsubscribe> {
    return this.inner.psubscribe(pattern, listener);
  }
}

/** The same third party's driver once it has every capability too. */
export class WrappingDriver extends PubSubOnlyDriver implements Required<StoreDriver> {
  readonly streams: StreamDriver;

  constructor(inner: CompleteDriver) {
    super(inner);
    this.streams = inner.streams;
  }

  ensureTags(tagKeys: string[], ttlMs: number | undefined): Promise<string[]> {
    return this.inner.ensureTags(tagKeys, ttlMs);
  }
  readTags(tagKeys: string[]): Promise<Array<string | null>> {
    return this.inner.readTags(tagKeys);
  }
  bumpTags(tagKeys: string[]): Promise<void> {
    return this.inner.bumpTags(tagKeys);
  }
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.inner.setIfAbsent(key, value, ttlMs);
  }
  renewIfOwner(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.inner.renewIfOwner(key, value, ttlMs);
  }
  deleteIfOwner(key: string, value: string): Promise<boolean> {
    return this.inner.deleteIfOwner(key, value);
  }
  probe(): Promise<ConnectionProbe[]> {
    return this.inner.probe();
  }
  rateLimit(
    script: RateLimitScript,
    keys: RateLimitKeys,
    args: RateLimitArgs,
  ): Promise<RawRateLimitReply> {
    return this.inner.rateLimit(script, keys, args);
  }
}
