import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import type { ResolvedStoreOptions } from './common/resolved-options.js';
import { optionalTtlToMs, ttlToMs, type Ttl } from './common/ttl.js';
import { assertFunction, assertKey, assertKeys, assertName, assertSafeInteger, assertTags } from './common/validation.js';
import { rawValue, type RawEntry, type StoreDriver } from './drivers/store-driver.interface.js';
import {
  StoreError,
  StoreSerializationError,
  StoreUnsupportedError,
  StoreValidationError,
  StoreValueTooLargeError,
  describe,
} from './errors/store.errors.js';
import { KeySpace } from './keys/key-space.js';
import { decodeTagged, encodeTagged, isTagged } from './tags/tagged-entry.codec.js';

/** Options of `set`, `mset` entries and `getOrSet`. */
export interface StoreSetOptions {
  /** Time to live: seconds, or a duration such as `'30s'`. Default: the module's `defaultTtl` (none: no expiry). */
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

/** Handler of `subscribe`: receives each deserialized message and the channel name it came on. */
export type StoreMessageHandler<T> = (message: T, channel: string) => void | Promise<void>;

/** A write that passed validation and serialization; nothing has been sent yet. */
interface PreparedWrite {
  key: string;
  fullKey: string;
  payload: string;
  ttlMs: number | undefined;
  tagKeys: string[];
}

/** State shared by a store and all its namespaces. */
interface StoreContext {
  driver: StoreDriver;
  options: ResolvedStoreOptions;
  logger: Logger;
  /** In-process single-flight of `getOrSet`, by full Redis key (so namespaces never share a flight). */
  flights: Map<string, Promise<unknown>>;
  /** Cache-path Redis failures that fell back to the loader. */
  fallbacks: number;
}

/**
 * The one facade over the store: caching with TTLs and tags, counters, patterns, pub/sub and
 * namespaces, identical on Redis (standalone, Sentinel, Cluster) and the memory driver.
 * Every method validates its arguments first and writes nothing when they are rejected.
 */
export class StoreService {
  private constructor(
    private readonly context: StoreContext,
    private readonly keys: KeySpace,
  ) {}

  /** Creates the root store over `driver` (the module does this; use it directly in unit tests if you like). */
  static create(driver: StoreDriver, options: ResolvedStoreOptions): StoreService {
    const context: StoreContext = { driver, options, logger: new Logger('StoreService'), flights: new Map(), fallbacks: 0 };
    return new StoreService(context, new KeySpace(options.keyPrefix));
  }

  /** The raw ioredis client (standalone, Sentinel or Cluster), for what this API does not cover. Throws on the memory driver. */
  get client(): Redis | Cluster {
    const client = this.context.driver.client;
    if (!client) throw new StoreUnsupportedError("client is not available on the memory driver (driver: 'memory')");
    return client;
  }

  /** Which driver this store runs on: `'redis'` or `'memory'`. */
  get driverKind(): 'redis' | 'memory' {
    return this.context.driver.kind;
  }

  /** Reads a value; `null` when missing, expired, or invalidated through one of its tags. */
  get<T>(key: string): Promise<T | null> {
    let fullKey: string;
    try {
      fullKey = this.dataKey(key);
    } catch (error) {
      return Promise.reject(error);
    }
    // The hottest path: decoding rides on the command's promise (no async wrapper, no extra hop).
    return this.context.driver.get(fullKey, (raw) => (raw === null ? null : this.decode<T>(key, raw)));
  }

  /** Writes a value, replacing any previous one. Rejects unstorable values and bad options before writing. */
  set<T>(key: string, value: T, options?: StoreSetOptions): Promise<void> {
    let write: PreparedWrite;
    try {
      write = this.prepare(key, value, options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (write.tagKeys.length === 0) return this.context.driver.set(write.fullKey, write.payload, write.ttlMs);
    return this.stamp(write).then((stored) => this.context.driver.set(write.fullKey, stored, write.ttlMs));
  }

  /** Deletes one key or many; resolves to how many existed. */
  async delete(keyOrKeys: string | string[]): Promise<number> {
    const keys = typeof keyOrKeys === 'string' ? [keyOrKeys] : keyOrKeys;
    const fullKeys = this.dataKeys(keys);
    return fullKeys.length === 0 ? 0 : this.context.driver.delete(fullKeys);
  }

  /** Whether a live value is stored at `key` (tag-invalidated entries count as absent). */
  async has(key: string): Promise<boolean> {
    const raw = await this.context.driver.get(this.dataKey(key), rawValue);
    return raw !== null && (!isTagged(raw) || (await this.validPayload(raw)) !== null);
  }

  /** Atomically adds `by` (default 1) to the integer at `key` (missing counts as 0); keeps the key's TTL. */
  async increment(key: string, by = 1): Promise<number> {
    assertSafeInteger(by, 'increment amount');
    return this.context.driver.incrBy(this.dataKey(key), by);
  }

  /** Atomically subtracts `by` (default 1) from the integer at `key`; keeps the key's TTL. */
  async decrement(key: string, by = 1): Promise<number> {
    assertSafeInteger(by, 'decrement amount');
    return this.context.driver.incrBy(this.dataKey(key), -by);
  }

  /** Sets the TTL of an existing key; `false` when the key does not exist. */
  async expire(key: string, ttl: Ttl): Promise<boolean> {
    const fullKey = this.dataKey(key);
    return this.context.driver.pexpire(fullKey, ttlToMs(ttl));
  }

  /** Remaining time to live in seconds (millisecond precision); `-1` when the key never expires; `null` when missing. */
  async ttl(key: string): Promise<number | null> {
    const ms = await this.context.driver.pttl(this.dataKey(key));
    if (ms === -2) return null;
    return ms === -1 ? -1 : ms / 1000;
  }

  /** Reads many values at once (one round trip; split per key on a Cluster); `null` for each miss. */
  async mget<T>(keys: string[]): Promise<Array<T | null>> {
    const fullKeys = this.dataKeys(keys);
    if (fullKeys.length === 0) return [];
    const raws = await this.context.driver.mget(fullKeys);
    return Promise.all(raws.map((raw, i) => (raw === null ? null : this.decode<T>(keys[i], raw))));
  }

  /** Writes many entries at once (pipelined; any slots on a Cluster). Every entry is validated before any is written. */
  async mset<T>(entries: Array<StoreEntry<T>>): Promise<void> {
    if (!Array.isArray(entries)) throw new StoreValidationError(`mset expects an array of { key, value } entries, got ${describe(entries)}`);
    const writes = entries.map((entry) => {
      if (entry === null || typeof entry !== 'object') throw new StoreValidationError(`mset entry ${describe(entry)} must be { key, value }`);
      return this.prepare(entry.key, entry.value, entry);
    });
    const raw: RawEntry[] = await Promise.all(
      writes.map(async (write) => ({ key: write.fullKey, value: await this.stamp(write), ttlMs: write.ttlMs })),
    );
    if (raw.length > 0) await this.context.driver.mset(raw);
  }

  /**
   * Cache-aside: returns the cached value, or calls `loader` once, stores its result and returns it.
   * Concurrent calls for one key in this process share one read and one load (single-flight).
   * When Redis is unreachable the loader's result is returned uncached (counted and logged), so the
   * cache never makes the caller less available. `undefined` results are returned but not stored.
   */
  getOrSet<T>(key: string, loader: () => T | Promise<T>, options?: StoreSetOptions): Promise<T> {
    let fullKey: string;
    let write: { ttlMs: number | undefined; tagKeys: string[] };
    try {
      fullKey = this.dataKey(key);
      assertFunction(loader, 'loader');
      write = this.writeOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    const { ttlMs, tagKeys } = write;
    const flights = this.context.flights;
    const running = flights.get(fullKey);
    if (running) return running as Promise<T>;
    const flight = this.readOrLoad(key, fullKey, loader, ttlMs, tagKeys).finally(() => flights.delete(fullKey));
    flights.set(fullKey, flight);
    return flight;
  }

  /**
   * Invalidates every entry carrying any of `tags`, on every instance at once: each tag's version is
   * replaced atomically (one key per tag: Cluster-safe), and entries stamped with the old version are
   * never served again.
   */
  async invalidateTags(tags: string[]): Promise<void> {
    if (!Array.isArray(tags)) throw new StoreValidationError(`invalidateTags expects an array of tags, got ${describe(tags)}`);
    const tagKeys = this.tagKeys(tags);
    if (tagKeys.length > 0) await this.context.driver.bumpTags(tagKeys);
  }

  /** Deletes every key of this store (or namespace) matching a Redis glob; SCAN on every master, never KEYS. */
  async deleteByPattern(pattern: string): Promise<number> {
    assertName(pattern, 'pattern', this.context.options.maxKeyLength);
    return this.context.driver.deleteByPattern(this.keys.dataPattern(pattern));
  }

  /** Publishes a message; resolves to the number of subscriptions that received it (per Redis node on a Cluster). */
  async publish<T>(channel: string, message: T): Promise<number> {
    assertName(channel, 'channel', this.context.options.maxKeyLength);
    const payload = this.serialize(channel, message);
    return this.context.driver.publish(this.keys.channel(channel), payload);
  }

  /**
   * Calls `handler` with each message published on `channel` (at-most-once: messages published while
   * disconnected are lost). Messages that cannot be deserialized are skipped and logged; a throwing
   * handler is logged and keeps its subscription. Resolves, once subscribed, to an unsubscribe function.
   */
  async subscribe<T>(channel: string, handler: StoreMessageHandler<T>): Promise<() => Promise<void>> {
    assertName(channel, 'channel', this.context.options.maxKeyLength);
    assertFunction(handler, 'handler');
    const redisChannel = this.keys.channel(channel);
    return this.context.driver.subscribe(redisChannel, (raw) => this.deliver(channel, raw, handler));
  }

  /**
   * A store whose keys, tags and channels live under `name`, inside this store. No key, tag,
   * pattern or channel given to it can reach the parent's or a sibling's data, whatever it contains.
   */
  namespace(name: string): StoreService {
    assertName(name, 'namespace', this.context.options.maxKeyLength);
    return new StoreService(this.context, this.keys.child(name));
  }

  private async readOrLoad<T>(key: string, fullKey: string, loader: () => T | Promise<T>, ttlMs: number | undefined, tagKeys: string[]): Promise<T> {
    const cached = await this.readForLoad<T>(key, fullKey);
    if (cached !== null) return cached;
    // Tag versions are read before loading: an invalidation during the load makes the write stale at once.
    const stamps = tagKeys.length > 0 ? await this.cachePath('getOrSet', () => this.context.driver.ensureTags(tagKeys, ttlMs)) : [];
    const value = await loader();
    if (value === undefined || stamps === undefined) return value;
    const payload = this.checkedPayload(key, value);
    const stored = encodeTagged(payload, tagKeys.map((tagKey, i) => [tagKey, stamps[i]]));
    await this.cachePath('getOrSet', () => this.context.driver.set(fullKey, stored, ttlMs));
    return value;
  }

  /** The cached value, or `null` on a miss, an unreadable value (it is recomputed) or Redis being away. */
  private async readForLoad<T>(key: string, fullKey: string): Promise<T | null> {
    const raw = await this.cachePath('getOrSet', () => this.context.driver.get(fullKey, rawValue));
    if (raw === undefined || raw === null) return null;
    try {
      return await this.decode<T>(key, raw);
    } catch (error) {
      if (!(error instanceof StoreSerializationError)) throw error;
      this.context.logger.warn(`getOrSet: ${error.message}; recomputing it`);
      return null;
    }
  }

  /** Runs a cache-path command; a store failure is logged and counted and yields `undefined` instead of throwing. */
  private async cachePath<R>(operation: string, command: () => Promise<R>): Promise<R | undefined> {
    try {
      return await command();
    } catch (error) {
      if (!(error instanceof StoreError) || error instanceof StoreValidationError) throw error;
      this.context.fallbacks += 1;
      this.context.logger.warn(`${operation}: ${error.message}; serving without the cache (${this.context.fallbacks} fallbacks so far)`);
      return undefined;
    }
  }

  private deliver<T>(channel: string, raw: string, handler: StoreMessageHandler<T>): void {
    let message: T;
    try {
      message = this.context.options.serializer.deserialize(raw) as T;
    } catch (error) {
      this.context.logger.warn(`Skipped a message on channel "${channel}" that could not be deserialized: ${describeError(error)}`);
      return;
    }
    const result = handler(message, channel);
    if (result instanceof Promise) {
      result.catch((error: unknown) => this.context.logger.error(`A subscriber of channel "${channel}" failed: ${describeError(error)}`));
    }
  }

  /** Untagged values decode synchronously; tagged ones first check their tags' versions. */
  private decode<T>(key: string, raw: string): T | null | Promise<T | null> {
    return isTagged(raw) ? this.decodeTagged<T>(key, raw) : this.deserialize<T>(key, raw);
  }

  private async decodeTagged<T>(key: string, raw: string): Promise<T | null> {
    const payload = await this.validPayload(raw);
    return payload === null ? null : this.deserialize<T>(key, payload);
  }

  /** The payload of a tagged entry if every tag still has the version it was stamped with, else `null`. */
  private async validPayload(raw: string): Promise<string | null> {
    const entry = decodeTagged(raw);
    if (!entry) return null;
    const current = await this.context.driver.readTags(entry.stamps.map(([tagKey]) => tagKey));
    return entry.stamps.every(([, token], i) => current[i] === token) ? entry.payload : null;
  }

  private deserialize<T>(key: string, raw: string): T {
    try {
      return this.context.options.serializer.deserialize(raw) as T;
    } catch (error) {
      throw new StoreSerializationError(key, 'deserialize', `not valid for the configured serializer (${describeError(error)})`, error);
    }
  }

  private prepare(key: string, value: unknown, options: StoreSetOptions | undefined): PreparedWrite {
    const fullKey = this.dataKey(key);
    const { ttlMs, tagKeys } = this.writeOptions(options);
    return { key, fullKey, payload: this.checkedPayload(key, value), ttlMs, tagKeys };
  }

  private writeOptions(options: StoreSetOptions | undefined): { ttlMs: number | undefined; tagKeys: string[] } {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new StoreValidationError(`Options must be an object, got ${describe(options)}`);
    }
    const ttlMs = optionalTtlToMs(options?.ttl, this.context.options.defaultTtlMs);
    assertTags(options?.tags, this.context.options.maxKeyLength);
    return { ttlMs, tagKeys: options?.tags ? this.tagKeys(options.tags) : [] };
  }

  /** Stamps a write with its tags' current versions (creating missing tags). */
  private async stamp(write: PreparedWrite): Promise<string> {
    if (write.tagKeys.length === 0) return write.payload;
    const tokens = await this.context.driver.ensureTags(write.tagKeys, write.ttlMs);
    return encodeTagged(write.payload, write.tagKeys.map((tagKey, i) => [tagKey, tokens[i]]));
  }

  private checkedPayload(key: string, value: unknown): string {
    const payload = this.serialize(key, value);
    const limit = this.context.options.maxValueSize;
    // Each UTF-16 unit is at most 3 UTF-8 bytes: short strings skip the exact byte count.
    if (payload.length * 3 > limit) {
      const size = Buffer.byteLength(payload);
      if (size > limit) throw new StoreValueTooLargeError(key, size, limit);
    }
    return payload;
  }

  private serialize(key: string, value: unknown): string {
    let payload: string | undefined;
    try {
      payload = this.context.options.serializer.serialize(value);
    } catch (error) {
      throw new StoreSerializationError(key, 'serialize', describeError(error), error);
    }
    if (typeof payload !== 'string') {
      throw new StoreSerializationError(key, 'serialize', `${describe(value)} has no stored form (undefined, functions and symbols cannot be stored)`);
    }
    return payload;
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

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
