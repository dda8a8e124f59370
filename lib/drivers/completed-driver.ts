import { StoreUnsupportedError } from '../errors/store.errors.js';
import { surveyCapabilities } from './driver-capabilities.js';
import type {
  CompleteDriver,
  ConnectionProbe,
  DriverCapability,
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
} from './store-driver.interface.js';
import type {
  RawClaim,
  RawDelivery,
  RawStreamEntry,
  StreamDriver,
  StreamReader,
} from './stream-driver.interface.js';

/** The error of a call that needs a capability the driver lacks. */
export function unsupportedCapability(
  driver: StoreDriver,
  capability: DriverCapability,
  what: string,
): StoreUnsupportedError {
  const name = driver instanceof CompletedDriver ? driver.innerName : driver.constructor.name;
  return new StoreUnsupportedError(
    `${what} needs the '${capability}' capability, which the driver ${name} does not have`,
  );
}

/**
 * A driver given as `options.driver`, seen by the store as a `CompleteDriver`: the core and the
 * capabilities it has pass through; a missing capability's calls reject with
 * `StoreUnsupportedError` (a listener registration is a no-op), so the engine needs no checks of
 * its own beyond where it degrades on purpose (`capabilities`).
 */
export class CompletedDriver implements CompleteDriver {
  readonly capabilities: ReadonlySet<DriverCapability>;
  readonly streams: StreamDriver;
  /** The class name of the driver given, for messages. */
  readonly innerName: string;

  constructor(private readonly inner: StoreDriver) {
    this.innerName = inner.constructor.name;
    this.capabilities = surveyCapabilities(inner).capabilities;
    this.streams = inner.streams ?? new MissingStreams(inner);
  }

  get kind(): 'redis' | 'memory' {
    return this.inner.kind;
  }

  get client(): StoreDriver['client'] {
    return this.inner.client;
  }

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

  async probe(): Promise<ConnectionProbe[]> {
    if (this.inner.probe) return this.inner.probe();
    const ok = this.inner.connectionState() === 'connected';
    return [{ connection: this.innerName, ok, ...(ok ? {} : { error: 'not connected' }) }];
  }

  async ensureTags(tagKeys: string[], ttlMs: number | undefined): Promise<string[]> {
    return this.capable('tags', 'A tagged write').ensureTags(tagKeys, ttlMs);
  }

  async readTags(tagKeys: string[]): Promise<Array<string | null>> {
    return this.capable('tags', 'A tagged entry').readTags(tagKeys);
  }

  async bumpTags(tagKeys: string[]): Promise<void> {
    return this.capable('tags', 'invalidateTags').bumpTags(tagKeys);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.capable('leases', 'A load lease').setIfAbsent(key, value, ttlMs);
  }

  async renewIfOwner(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.capable('leases', 'A load lease').renewIfOwner(key, value, ttlMs);
  }

  async deleteIfOwner(key: string, value: string): Promise<boolean> {
    return this.capable('leases', 'A load lease').deleteIfOwner(key, value);
  }

  async rateLimit(
    script: RateLimitScript,
    keys: RateLimitKeys,
    args: RateLimitArgs,
  ): Promise<RawRateLimitReply> {
    return this.capable('rateLimit', 'A rate-limit check').rateLimit(script, keys, args);
  }

  async publish(channel: string, message: string): Promise<number> {
    return this.capable('pubsub', 'publish').publish(channel, message);
  }

  async subscribe(channel: string, listener: RawMessageListener): Promise<Unsubscribe> {
    return this.capable('pubsub', 'A channel subscription').subscribe(channel, listener);
  }

  async psubscribe(pattern: string, listener: RawMessageListener): Promise<Unsubscribe> {
    return this.capable('pubsub', 'A pattern subscription').psubscribe(pattern, listener);
  }

  onSubscriberReconnect(listener: () => void): () => void {
    // Without pub/sub there is no subscriber to come back: nothing to hear.
    if (!this.capabilities.has('pubsub')) return () => undefined;
    return (this.inner as CompleteDriver).onSubscriberReconnect(listener);
  }

  /** The inner driver, once it is known to have `capability` (else the error `what` meets). */
  private capable(capability: DriverCapability, what: string): CompleteDriver {
    if (!this.capabilities.has(capability))
      throw unsupportedCapability(this.inner, capability, what);
    // The survey found every member of the capability on the inner driver.
    return this.inner as CompleteDriver;
  }
}

/** `streams` of a driver without the capability: every call rejects, closing is a no-op. */
class MissingStreams implements StreamDriver {
  constructor(private readonly driver: StoreDriver) {}

  add(): Promise<string> {
    return this.reject();
  }

  createGroup(): Promise<void> {
    return this.reject();
  }

  readPending(): Promise<RawDelivery[]> {
    return this.reject();
  }

  claimIdle(): Promise<RawClaim> {
    return this.reject();
  }

  renew(): Promise<void> {
    return this.reject();
  }

  ack(): Promise<number> {
    return this.reject();
  }

  range(): Promise<RawStreamEntry[]> {
    return this.reject();
  }

  openReader(): StreamReader | null {
    throw unsupportedCapability(this.driver, 'streams', 'A stream reader');
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private reject<T>(): Promise<T> {
    return Promise.reject(unsupportedCapability(this.driver, 'streams', 'A stream command'));
  }
}
