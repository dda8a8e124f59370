import {
  StoreError,
  StoreSerializationError,
  StoreValidationError,
  StoreValueTooLargeError,
  describe,
} from '../errors/store.errors.js';
import type { StoreContext } from '../store-context.js';
import { decodeEntry, encodeEntry, hasHeader, type EntryMeta, type TagStamps } from './cache-entry.codec.js';

/** A value read back from the store, with its header (null for plain entries). */
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

  /** Serializes `value` for `key`, refusing what has no stored form and what is over `maxValueSize`. */
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
      throw new StoreSerializationError(key, 'serialize', `${describe(value)} has no stored form (undefined, functions and symbols cannot be stored)`);
    }
    return payload;
  }

  /** Reads a stored payload back; a foreign or damaged value is a `StoreSerializationError` naming the key. */
  deserialize<T>(key: string, raw: string): T {
    try {
      return this.context.options.serializer.deserialize(raw) as T;
    } catch (error) {
      throw new StoreSerializationError(key, 'deserialize', `not valid for the configured serializer (${messageOf(error)})`, error);
    }
  }

  /** Decodes a stored string: plain values synchronously; entries with a header after their tags are checked. */
  decode<T>(key: string, raw: string): T | null | Promise<T | null> {
    if (!hasHeader(raw)) return this.deserialize<T>(key, raw);
    return this.read<T>(key, raw).then((stored) => (stored === null ? null : stored.value));
  }

  /** Decodes a stored string with its header; `null` when its tags were invalidated or its header is damaged. */
  async read<T>(key: string, raw: string): Promise<StoredValue<T> | null> {
    const entry = decodeEntry(raw);
    if (!entry || !(await this.tagsCurrent(entry.meta?.s))) return null;
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

  /** The stored form of a payload with its stamps and metadata (bare payload when there is none and no L1). */
  encode(payload: string, stamps: TagStamps, meta: Omit<EntryMeta, 's'> = {}): string {
    const header: EntryMeta = { ...meta };
    if (stamps.length > 0) header.s = stamps;
    // With L1, every entry written by this library carries a header: that marks it as safe to keep in process.
    const plain = Object.keys(header).length === 0 && this.context.l1 === null;
    return encodeEntry(payload, plain ? null : header);
  }

  /**
   * Runs a cache-path command; a store failure is logged and counted and yields `undefined` instead
   * of throwing, so a cache never makes its caller less available than no cache.
   */
  async cachePath<R>(operation: string, command: () => Promise<R>): Promise<R | undefined> {
    try {
      return await command();
    } catch (error) {
      if (!(error instanceof StoreError) || error instanceof StoreValidationError) throw error;
      this.context.fallbacks += 1;
      this.context.logger.warn(`${operation}: ${error.message}; serving without the cache (${this.context.fallbacks} fallbacks so far)`);
      return undefined;
    }
  }
}

/** The message of an error, or the thrown value as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
