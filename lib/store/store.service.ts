import type { Cluster, Redis } from 'ioredis';
import type { Observable } from 'rxjs';
import { CacheAside, isStale, type CacheCall } from '../engine/cache/cache-aside.js';
import type { CacheLookup, StoreCacheOptions } from '../engine/cache/cache-options.interface.js';
import { resolveCacheOptions } from '../engine/cache/cache-options.resolver.js';
import { EntryStore, type StoredValue } from '../engine/cache/entry-store.js';
import { optionalTtlToMs, ttlToMs, type Ttl } from '../common/ttl.js';
import {
  assertFunction,
  assertKey,
  assertKeys,
  assertName,
  assertSafeInteger,
  assertTags,
} from '../common/validation.js';
import {
  rawValue,
  type RawEntry,
  type RawHash,
  type StoreConnectionState,
} from '../drivers/store-driver.interface.js';
import {
  StoreCommandError,
  StoreSerializationError,
  StoreUnsupportedError,
  StoreValidationError,
  StoreWrongTypeError,
  describe,
} from '../errors/store.errors.js';
import { unsupportedCapability } from '../drivers/completed-driver.js';
import { KeySpace } from '../keys/key-space.js';
import {
  StorePubSub,
  type StoreMessageHandler,
  type StorePatternMessage,
  type StoreSubscriptionTarget,
} from '../engine/pubsub/store-pubsub.js';
import { appendToStream, openStream, replayFrom } from '../engine/pubsub/streams/store-streams.js';
import type { StreamSource } from '../engine/pubsub/streams/stream-source.js';
import type {
  StoreAppendOptions,
  StoreReplayOptions,
  StoreStreamOptions,
  StreamEntry,
  StreamMessage,
} from '../engine/pubsub/streams/stream.interfaces.js';
import type { StoreContext } from '../engine/store-context.js';
import type { StoreProbe } from './store-probe.interface.js';
import type { StoreStats } from '../engine/stats/store-stats.interface.js';
import { publishCacheL1Hit } from '../telemetry/cache.telemetry.js';
import { publishConnectionStates } from '../telemetry/connection.telemetry.js';

/** Options of `set` and `mset` entries. */
export interface StoreSetOptions {
  /**
   * Time to live: seconds, or a duration such as `'30s'`. Default: the module's `defaultTtl` (none:
   * no expiry).
   */
  ttl?: Ttl;
  /** Tags to invalidate this entry by (`invalidateTags`). */
  tags?: string[];
}

/** One entry of `mset`. */
export interface StoreEntry<T = unknown> extends StoreSetOptions {
  /** The key (within this store or namespace). */
  key: string;
  /** The value; anything the serializer accepts. */
  value: T;
}

/** A write that passed validation and serialization; nothing has been sent yet. */
interface PreparedWrite {
  fullKey: string;
  payload: string;
  ttlMs: number | undefined;
  tagKeys: string[];
}

/**
 * The one facade over the store: caching with TTLs and tags, counters, patterns, pub/sub (also as
 * Observables), durable streams and namespaces, identical on Redis (standalone, Sentinel, Cluster)
 * and the memory driver.
 * Every method validates its arguments first and writes nothing when they are rejected.
 */
export class StoreService {
  private readonly entries: EntryStore;
  private readonly cacheAside: CacheAside;
  private readonly pubsub: StorePubSub;

  private constructor(
    private readonly context: StoreContext,
    private readonly keys: KeySpace,
  ) {
    this.entries = new EntryStore(context);
    this.cacheAside = new CacheAside(context, this.entries);
    this.pubsub = new StorePubSub(context, keys, this.entries);
  }

  /**
   * The root store over a context (the module does this, once per store; the store's connection
   * states are published from then on).
   */
  static fromContext(context: StoreContext): StoreService {
    publishConnectionStates(context.driver, context.options.keyPrefix);
    return new StoreService(
      context,
      new KeySpace(context.options.keyPrefix, context.options.internalSegment),
    );
  }

  /**
   * The raw ioredis client (standalone, Sentinel or Cluster), for what this API does not cover.
   * Throws on the memory driver.
   */
  get client(): Redis | Cluster {
    const client = this.context.driver.client;
    if (!client)
      throw new StoreUnsupportedError(
        "client is not available on the memory driver (driver: 'memory')",
      );
    return client;
  }

  /** Which driver this store runs on: `'redis'` or `'memory'`. */
  get driverKind(): 'redis' | 'memory' {
    return this.context.driver.kind;
  }

  /**
   * Reads a value; `null` when missing, expired, or invalidated through one of its tags. An L1 hit
   * costs no round trip.
   */
  get<T>(key: string): Promise<T | null> {
    let fullKey: string;
    try {
      fullKey = this.dataKey(key);
    } catch (error) {
      return Promise.reject(error);
    }
    const l1 = this.context.l1;
    const inL1 = l1?.get(fullKey);
    if (inL1) {
      publishCacheL1Hit('get', this.keys.prefix, key, fullKey);
      return Promise.resolve(inL1.value as T);
    }
    const generation = l1?.generation ?? 0;
    // The hottest path: decoding rides on the command's promise (no async wrapper, no extra hop).
    return this.context.driver.read(
      fullKey,
      (raw) => (raw === null ? null : this.decode<T>(key, fullKey, raw, generation)),
      'string',
    );
  }

  /**
   * Writes a value, replacing any previous one. Rejects unstorable values and bad options before
   * writing.
   */
  set<T>(key: string, value: T, options?: StoreSetOptions): Promise<void> {
    let write: PreparedWrite;
    try {
      write = this.prepare(key, value, options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (write.tagKeys.length === 0 && !this.context.bus)
      return this.context.driver.set(write.fullKey, write.payload, write.ttlMs);
    return this.context.writes.track(this.writeAnnounced(write));
  }

  /** Deletes one key or many; resolves to how many existed. */
  async delete(keyOrKeys: string | string[]): Promise<number> {
    const keys = typeof keyOrKeys === 'string' ? [keyOrKeys] : keyOrKeys;
    const fullKeys = this.dataKeys(keys);
    if (fullKeys.length === 0) return 0;
    // Dropped locally first: should the store be unreachable, this instance serves no stale copy.
    this.context.l1?.deleteKeys(fullKeys);
    const deleted = await this.context.driver.delete(fullKeys);
    this.context.bus?.keysChanged(fullKeys);
    return deleted;
  }

  /**
   * Whether a live value is stored at `key` (tag-invalidated and expired entries count as absent).
   */
  async has(key: string): Promise<boolean> {
    const raw = await this.context.driver.read(this.dataKey(key), rawValue, 'string');
    if (raw === null) return false;
    const stored = await this.liveEntry(key, raw);
    return stored !== null;
  }

  /**
   * Atomically adds `by` (default 1) to the integer at `key` (missing counts as 0); keeps the key's
   * TTL. Works on a plain integer however it was written; an entry with tags or freshness is a
   * `StoreWrongTypeError`, a non-integer a `StoreCommandError`.
   */
  async increment(key: string, by = 1): Promise<number> {
    assertSafeInteger(by, 'increment amount');
    return this.incrBy(key, by, 'increment');
  }

  /**
   * Atomically subtracts `by` (default 1) from the integer at `key`; keeps the key's TTL (as
   * `increment`).
   */
  async decrement(key: string, by = 1): Promise<number> {
    assertSafeInteger(by, 'decrement amount');
    return this.incrBy(key, -by, 'decrement');
  }

  /** Sets the TTL of an existing key; `false` when the key does not exist. */
  async expire(key: string, ttl: Ttl): Promise<boolean> {
    const fullKey = this.dataKey(key);
    const existed = await this.context.driver.pexpire(fullKey, ttlToMs(ttl));
    this.context.bus?.keysChanged([fullKey]);
    return existed;
  }

  /**
   * Remaining time to live in seconds (millisecond precision); `-1` when the key never expires;
   * `null` when `get` would answer `null`: missing, invalidated by a tag, or past its freshness.
   * For an entry with a grace period, the time left until it stops being fresh.
   */
  async ttl(key: string): Promise<number | null> {
    const fullKey = this.dataKey(key);
    const [ms, raw] = await Promise.all([
      this.context.driver.pttl(fullKey),
      this.context.driver.read(fullKey, rawValue, 'string'),
    ]);
    if (ms === -2 || raw === null) return null;
    const stored = await this.liveEntry(key, raw);
    if (stored === null) return null;
    const freshUntil = stored.meta?.f;
    const leftMs =
      freshUntil === undefined ? ms : Math.min(ms === -1 ? Infinity : ms, freshUntil - Date.now());
    return leftMs === -1 ? -1 : leftMs / 1000;
  }

  /**
   * Reads many values at once (one round trip; split per key on a Cluster); `null` for each miss.
   */
  async mget<T>(keys: string[]): Promise<Array<T | null>> {
    const fullKeys = this.dataKeys(keys);
    if (fullKeys.length === 0) return [];
    const generation = this.context.l1?.generation ?? 0;
    const raws = await this.context.driver.mget(fullKeys);
    return Promise.all(
      raws.map((raw, i) =>
        raw === null ? null : this.decode<T>(keys[i], fullKeys[i], raw, generation),
      ),
    );
  }

  /**
   * Writes many entries at once (pipelined; any slots on a Cluster). Every entry is validated
   * before any is written.
   */
  async mset<T>(entries: Array<StoreEntry<T>>): Promise<void> {
    if (!Array.isArray(entries))
      throw new StoreValidationError(
        `mset expects an array of { key, value } entries, got ${describe(entries)}`,
      );
    const writes = entries.map((entry) => {
      if (entry === null || typeof entry !== 'object')
        throw new StoreValidationError(`mset entry ${describe(entry)} must be { key, value }`);
      return this.prepare(entry.key, entry.value, entry);
    });
    if (writes.length === 0) return;
    await this.context.writes.track(this.writeMany(writes));
  }

  /**
   * Cache-aside: returns the cached value, or calls `loader` once, stores its result and returns
   * it. Concurrent calls for one key share one load in this process and, through a lease lock in
   * Redis, across instances. With `grace`, a stale value is served while one refresh runs (and
   * instead of a loader error); `earlyRefresh` recomputes hot keys before they expire;
   * `softTimeout` / `hardTimeout` bound the wait. When Redis is unreachable the loader's result is
   * returned uncached (counted and logged). `undefined` results are returned but not stored.
   */
  getOrSet<T>(key: string, loader: () => T | Promise<T>, options?: StoreCacheOptions): Promise<T> {
    let call: CacheCall<T>;
    try {
      call = this.cacheCall(key, loader, options);
    } catch (error) {
      return Promise.reject(error);
    }
    // An L1 hit answers in this tick: one settled promise, no lookup chain.
    const inL1 = this.cacheAside.fromL1(call);
    return inL1 ? Promise.resolve(inL1.value) : this.cacheAside.lookup(call).then(valueOf);
  }

  /**
   * Like `getOrSet`, and says where the value came from: `hit`, `miss` (loaded now) or `stale`
   * (within grace).
   */
  getOrSetWithStatus<T>(
    key: string,
    loader: () => T | Promise<T>,
    options?: StoreCacheOptions,
  ): Promise<CacheLookup<T>> {
    let call: CacheCall<T>;
    try {
      call = this.cacheCall(key, loader, options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.cacheAside.lookup(call);
  }

  /**
   * Invalidates every entry carrying any of `tags`, on every instance at once: each tag's version
   * is replaced atomically (one key per tag: Cluster-safe), and entries stamped with the old
   * version are never served again.
   */
  async invalidateTags(tags: string[]): Promise<void> {
    if (!Array.isArray(tags))
      throw new StoreValidationError(
        `invalidateTags expects an array of tags, got ${describe(tags)}`,
      );
    const tagKeys = this.tagKeys(tags);
    if (tagKeys.length === 0) return;
    this.context.l1?.deleteTags(tagKeys);
    await this.context.driver.bumpTags(tagKeys);
    this.context.bus?.tagsInvalidated(tagKeys);
  }

  /**
   * Deletes every key of this store (or namespace) matching a Redis glob; SCAN on every master,
   * never KEYS.
   */
  async deleteByPattern(pattern: string): Promise<number> {
    assertName(pattern, 'pattern', this.context.options.maxKeyLength);
    const redisPattern = this.keys.dataPattern(pattern);
    this.context.l1?.deletePattern(redisPattern);
    const deleted = await this.context.driver.deleteByPattern(redisPattern, this.keys.internalBase);
    this.context.bus?.patternDeleted(redisPattern);
    return deleted;
  }

  /**
   * Publishes a message; resolves to the number of subscriptions that received it (per Redis node,
   * or per shard, on a Cluster).
   */
  publish<T>(channel: string, message: T): Promise<number> {
    return this.pubsub.publish(channel, message);
  }

  /**
   * Calls `handler` with each message published on `target`: a channel name, or `{ pattern }` for
   * a glob of channels (at-most-once: messages published while disconnected are lost). Messages
   * that cannot be deserialized are skipped, counted and logged; a throwing handler is logged and
   * keeps its subscription. Resolves, once subscribed, to an unsubscribe function.
   */
  subscribe<T>(
    target: StoreSubscriptionTarget,
    handler: StoreMessageHandler<T>,
  ): Promise<() => Promise<void>> {
    return this.pubsub.subscribe(target, handler);
  }

  /**
   * A hot Observable of the messages published on `name`, deserialized. Any number of observers
   * share one subscription; it is made with the first and dropped shortly after the last leaves.
   * Observers share each message object: treat it as read-only. Reconnects neither error nor
   * complete it (messages published during the gap are lost: watch `connectionState$`); it
   * completes when the store closes and errors only if Redis refuses the subscription (ACL).
   * Throws a `StoreValidationError` for a bad name.
   */
  channel<T>(name: string): Observable<T> {
    return this.pubsub.channel<T>(name);
  }

  /** Like `channel`, for every channel matching the glob `glob`: emits `{ channel, message }`. */
  pattern<T>(glob: string): Observable<StorePatternMessage<T>> {
    return this.pubsub.pattern<T>(glob);
  }

  /**
   * Probes every connection the store holds: a PING on the command connection (each master of a
   * Cluster) and the subscriber, with its latency; the stream readers' state; each circuit
   * breaker's state. Bounded like any call; never rejects: a connection that does not answer is
   * reported so. `StoreHealthIndicator` serves it to `@nestjs/terminus`.
   */
  async probe(): Promise<StoreProbe> {
    const connections = await this.context.driver.probe();
    return {
      healthy: connections.every((connection) => connection.ok),
      state: this.context.driver.connectionState(),
      connections,
    };
  }

  /**
   * The state of the store's connections: `connected`, `reconnecting`, `circuit-open` or
   * `closed` (current value first).
   */
  get connectionState$(): Observable<StoreConnectionState> {
    return this.pubsub.connectionState$;
  }

  /**
   * A snapshot of this store's activity: cache hits, misses, stale answers and fallbacks, L1,
   * rate-limit outcomes per policy, pub/sub and stream messages, the connection state, and
   * latency percentiles of cache loads and rate-limit checks. The root store and its namespaces
   * share one. Collection starts at the first call (or at bootstrap with `metrics`), so the first
   * snapshot counts nothing yet; until then the store pays nothing for it. Events are told apart
   * by `keyPrefix`: two stores of one process sharing a `keyPrefix` share their stats.
   */
  stats(): StoreStats {
    const { driver, l1, stats } = this.context;
    return stats.counters().snapshot({
      connection: driver.connectionState(),
      l1Entries: l1 ? l1.size : null,
    });
  }

  /** How many messages on `channel` were skipped because they could not be deserialized. */
  skippedMessages(channel: string): number {
    return this.context.malformed.count(channel);
  }

  /**
   * Appends a message to the durable stream `name` (XADD; with `maxLen`, the oldest entries beyond
   * about that many are trimmed). Resolves to the entry id. Rejects bad names, options and
   * unstorable messages before writing.
   */
  async append<T>(name: string, message: T, options?: StoreAppendOptions): Promise<string> {
    return appendToStream(this.streamSource(name), message, options);
  }

  /**
   * A cold Observable over the durable stream `name` as consumer `consumer` of group `group`: each
   * subscription creates the group if needed, delivers this consumer's own unacknowledged messages
   * first, then new ones, and takes over messages other consumers left unacknowledged for
   * `claimIdleMs`. Delivery is at least once: a message is acknowledged only when the handler calls
   * `ack()` (an Observable cannot tell when an observer finished with a value), so acknowledge at
   * the end of handling, e.g.
   * `concatMap(async (m) => { await handle(m.message); await m.ack(); })`. Connection failures
   * neither error nor complete it (logged, retried); unsubscribing leaves unacknowledged messages
   * pending for redelivery; it completes when the store closes. Entries the serializer cannot read
   * are logged, acknowledged and skipped. Throws a `StoreValidationError` at once for a bad name or
   * bad options.
   */
  stream<T>(name: string, options: StoreStreamOptions): Observable<StreamMessage<T>> {
    return openStream<T>(this.streamSource(name), options);
  }

  /**
   * A cold Observable of the entries of stream `name` from `from` (an id, a `Date` or epoch ms) up
   * to `to`, completing at the end. No group is involved and nothing is acknowledged. Throws a
   * `StoreValidationError` at once for a bad name or bad options.
   */
  replay<T>(name: string, options: StoreReplayOptions): Observable<StreamEntry<T>> {
    return replayFrom<T>(this.streamSource(name), options);
  }

  private streamSource(name: string): StreamSource {
    const maxNameLength = this.context.options.maxKeyLength;
    assertName(name, 'stream', maxNameLength);
    const { driver } = this.context;
    if (!driver.capabilities.has('streams'))
      throw unsupportedCapability(driver, 'streams', `Stream ${JSON.stringify(name)}`);
    return {
      driver: this.context.driver.streams,
      key: this.keys.stream(name),
      name,
      keyPrefix: this.keys.prefix,
      serialize: (message) => this.entries.payload(name, message),
      deserialize: (payload) => this.entries.deserialize(name, payload),
      maxNameLength,
      logger: this.context.logger,
    };
  }

  /**
   * A store whose keys, tags, channels and streams live under `name`, inside this store. No key,
   * tag, pattern, channel or stream given to it can reach the parent's or a sibling's data,
   * whatever it contains.
   */
  namespace(name: string): StoreService {
    assertName(name, 'namespace', this.context.options.maxKeyLength);
    return new StoreService(this.context, this.keys.child(name));
  }

  /**
   * The Redis key this store (or namespace) uses for `key`: `keyPrefix`, the namespace segments,
   * then `key`. For commands sent through `client` (Lua, HSET on the same key). Validates like
   * `get`.
   */
  redisKey(key: string): string {
    return this.dataKey(key);
  }

  /**
   * The Redis channel this store (or namespace) uses for the channel `name` (as `publish` and
   * `channel` do).
   */
  redisChannel(name: string): string {
    assertName(name, 'channel', this.context.options.maxKeyLength);
    return this.keys.channel(name);
  }

  private cacheCall<T>(
    key: string,
    loader: () => T | Promise<T>,
    options: StoreCacheOptions | undefined,
  ): CacheCall<T> {
    const fullKey = this.dataKey(key);
    assertFunction(loader, 'loader');
    const resolved = resolveCacheOptions(options, this.context.options.defaultTtlMs, (tags) =>
      this.tagKeys(tags),
    );
    return { key, fullKey, lockKey: this.keys.lock(key), loader, options: resolved };
  }

  /** Plain values decode synchronously; entries are checked (tags, freshness) and may go to L1. */
  private decode<T>(
    key: string,
    fullKey: string,
    raw: string | RawHash,
    generation: number,
  ): T | null | Promise<T | null> {
    if (typeof raw === 'string') return this.entries.deserialize<T>(key, raw);
    return this.entries.read<T>(key, raw).then((stored) => {
      if (stored === null || isStale(stored.meta, Date.now())) return null;
      this.keepInL1(fullKey, stored, generation);
      return stored.value;
    });
  }

  private keepInL1<T>(fullKey: string, stored: StoredValue<T>, generation: number): void {
    const meta = stored.meta;
    if (!this.context.l1 || meta === null) return;
    const tagKeys = (meta.s ?? []).map(([tagKey]) => tagKey);
    this.context.l1.set(
      fullKey,
      { value: stored.value, tagKeys, freshUntil: meta.f, delta: meta.d },
      generation,
    );
  }

  /** A write that needs tag stamps or an L1 announcement. */
  private async writeAnnounced(write: PreparedWrite): Promise<void> {
    const stored = await this.stored(write);
    const driver = this.context.driver;
    await (typeof stored === 'string'
      ? driver.set(write.fullKey, stored, write.ttlMs)
      : driver.setHash(write.fullKey, stored, write.ttlMs));
    this.context.bus?.keysChanged([write.fullKey]);
  }

  private async writeMany(writes: PreparedWrite[]): Promise<void> {
    const raw: RawEntry[] = await Promise.all(
      writes.map(async (write) => ({
        key: write.fullKey,
        value: await this.stored(write),
        ttlMs: write.ttlMs,
      })),
    );
    await this.context.driver.mset(raw);
    this.context.bus?.keysChanged(raw.map((entry) => entry.key));
  }

  /**
   * The stored form of a write: the serializer's output as it is, or an entry hash with tag stamps
   * and freshness.
   */
  private async stored(write: PreparedWrite): Promise<string | RawHash> {
    if (write.tagKeys.length === 0) return write.payload;
    const stamps = await this.entries.stamps(write.tagKeys, write.ttlMs);
    return this.entries.encode(
      write.payload,
      stamps,
      write.ttlMs === undefined ? {} : { f: Date.now() + write.ttlMs },
    );
  }

  /**
   * What `get` would serve of a stored value, with its metadata: `null` when invalidated or stale.
   * A value this serializer cannot read still counts as present.
   */
  private async liveEntry(
    key: string,
    raw: string | RawHash,
  ): Promise<StoredValue<unknown> | null> {
    if (typeof raw === 'string') return { value: raw, meta: null };
    const stored = await this.entries.read(key, raw).catch((error: unknown) => {
      if (error instanceof StoreSerializationError) return { value: undefined, meta: null };
      throw error;
    });
    return stored === null || isStale(stored.meta, Date.now()) ? null : stored;
  }

  private async incrBy(key: string, by: number, operation: string): Promise<number> {
    const fullKey = this.dataKey(key);
    try {
      return await this.context.driver.incrBy(fullKey, by);
    } catch (error) {
      if (!(error instanceof StoreCommandError) || error.replyCode !== 'WRONGTYPE') throw error;
      throw new StoreWrongTypeError(
        key,
        operation,
        'it holds a Redis hash (an entry written with tags or by getOrSet) or ' +
          'another non-string type; counters are plain values, written without tags',
      );
    }
  }

  private prepare(
    key: string,
    value: unknown,
    options: StoreSetOptions | undefined,
  ): PreparedWrite {
    const fullKey = this.dataKey(key);
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new StoreValidationError(`Options must be an object, got ${describe(options)}`);
    }
    const ttlMs = optionalTtlToMs(options?.ttl, this.context.options.defaultTtlMs);
    const tagKeys = options?.tags === undefined ? [] : this.tagKeys(options.tags);
    return { fullKey, payload: this.entries.payload(key, value), ttlMs, tagKeys };
  }

  private dataKey(key: string): string {
    assertKey(key, this.context.options.maxKeyLength);
    return this.keys.data(key);
  }

  private dataKeys(keys: string[]): string[] {
    assertKeys(keys, this.context.options.maxKeyLength);
    return keys.map((key) => this.keys.data(key));
  }

  private tagKeys(tags: string[]): string[] {
    assertTags(tags, this.context.options.maxKeyLength);
    return [...new Set(tags)].map((tag) => this.keys.tag(tag));
  }
}

function valueOf<T>(lookup: CacheLookup<T>): T {
  return lookup.value;
}
