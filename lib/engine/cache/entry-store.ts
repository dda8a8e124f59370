import {
  StoreError,
  StoreSerializationError,
  StoreValidationError,
  StoreValueTooLargeError,
  describe,
  messageOf,
} from '../../errors/store.errors.js';
import type { RawHash } from '../../drivers/store-driver.interface.js';
import type { StoreContext } from '../store-context.js';
import {
  VALUE_FIELD,
  decodeEntry,
  encodeEntry,
  type EntryMeta,
  type TagStamps,
} from './cache-entry.codec.js';
import { publishCacheFallback, type KeyedCall } from '../../telemetry/cache.telemetry.js';

/** A value read back from the store, with its metadata (null for plain values). */
export interface StoredValue<T> {
  value: T;
  meta: EntryMeta | null;
}

/**
 * Turns values into stored entries and back: serialization with size limits, tag stamps checked on
 * every read, and the cache-path error policy. Shared by `StoreService` and cache-aside.
 */
export class EntryStore {
  constructor(private readonly context: StoreContext) {}

  /**
   * Serializes `value` for `key`, refusing what has no stored form and what is over `maxValueSize`.
   */
  payload(key: string, value: unknown): string {
    const payload = this.serialize(key, value);
    const limit = this.context.options.maxValueSize;
    // Each UTF-16 unit is at most 3 UTF-8 bytes: short strings skip the exact byte count.
    if (payload.length * 3 > limit) {
      const size = Buffer.byteLength(payload);
      if (size > limit) throw new StoreValueTooLargeError(key, size, limit);
    }
    return payload;
  }

  /** Serializes without a size limit (pub/sub messages). */
  serialize(key: string, value: unknown): string {
    let payload: string | undefined;
    try {
      payload = this.context.options.serializer.serialize(value);
    } catch (error) {
      throw new StoreSerializationError(key, 'serialize', messageOf(error), error);
    }
    if (typeof payload !== 'string') {
      throw new StoreSerializationError(
        key,
        'serialize',
        `${describe(value)} has no stored form (undefined, functions and symbols cannot be stored)`,
      );
    }
    return payload;
  }

  /**
   * Reads a stored payload back; a foreign or damaged value is a `StoreSerializationError` naming
   * the key.
   */
  deserialize<T>(key: string, raw: string): T {
    try {
      return this.context.options.serializer.deserialize(raw) as T;
    } catch (error) {
      throw new StoreSerializationError(
        key,
        'deserialize',
        `not valid for the configured serializer (${messageOf(error)})`,
        error,
      );
    }
  }

  /**
   * Reads what a key holds: a plain value (a string) as it is; an entry (a hash) with its metadata,
   * `null` when one of its tags was invalidated or its metadata is damaged. A hash that is not an
   * entry is a `StoreSerializationError` naming the key.
   */
  async read<T>(key: string, raw: string | RawHash): Promise<StoredValue<T> | null> {
    if (typeof raw === 'string') return { value: this.deserialize<T>(key, raw), meta: null };
    const entry = decodeEntry(raw);
    if (entry === undefined) {
      throw new StoreSerializationError(
        key,
        'deserialize',
        `it holds a Redis hash without the field "${VALUE_FIELD}", not a nestjs-store entry`,
      );
    }
    if (entry === null || !(await this.tagsCurrent(entry.meta.s))) return null;
    return { value: this.deserialize<T>(key, entry.payload), meta: entry.meta };
  }

  /** Whether every tag still has the version it was stamped with. */
  async tagsCurrent(stamps: TagStamps | undefined): Promise<boolean> {
    if (!stamps || stamps.length === 0) return true;
    const current = await this.context.driver.readTags(stamps.map(([tagKey]) => tagKey));
    return stamps.every(([, token], i) => current[i] === token);
  }

  /** Stamps: each tag's current version (creating missing tags, kept alive at least `ttlMs`). */
  async stamps(tagKeys: string[], ttlMs: number | undefined): Promise<TagStamps> {
    if (tagKeys.length === 0) return [];
    const tokens = await this.context.driver.ensureTags(tagKeys, ttlMs);
    return tagKeys.map((tagKey, i) => [tagKey, tokens[i]]);
  }

  /** The entry hash of a payload with its stamps and metadata. */
  encode(payload: string, stamps: TagStamps, meta: Omit<EntryMeta, 's'> = {}): RawHash {
    return encodeEntry(payload, stamps.length > 0 ? { ...meta, s: stamps } : meta);
  }

  /**
   * Runs a cache-path command for `call`; a store failure is logged, counted and published
   * (`cache.fallback`) and yields `undefined` instead of throwing, so a cache never makes its
   * caller less available than no cache.
   */
  async cachePath<R>(
    operation: string,
    call: KeyedCall,
    command: () => Promise<R>,
  ): Promise<R | undefined> {
    try {
      return await command();
    } catch (error) {
      if (!(error instanceof StoreError) || error instanceof StoreValidationError) throw error;
      this.context.fallbacks += 1;
      publishCacheFallback(
        operation,
        this.context.options.keyPrefix,
        call,
        error,
        this.context.fallbacks,
      );
      this.context.logger.warn(
        `${operation}: ${error.message}; serving without the ` +
          `cache (${this.context.fallbacks} fallbacks so far)`,
      );
      return undefined;
    }
  }
}
