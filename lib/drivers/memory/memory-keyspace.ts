import { LRUCache } from 'lru-cache';
import type { RawHash } from '../store-driver.interface.js';

/**
 * One stored string (or hash: `fields`, with `value` unused) and when it expires (epoch ms; 0 =
 * never).
 */
export interface MemoryEntry {
  value: string;
  expiresAt: number;
  fields?: RawHash;
}

/**
 * The memory driver's keyspace: an LRU-bounded map (lru-cache) with Redis's lazy expiry. An expired
 * entry is never returned and is dropped when touched; the entry limit bounds memory either way.
 */
export class MemoryKeyspace {
  private readonly entries: LRUCache<string, MemoryEntry>;

  constructor(maxEntries: number) {
    this.entries = new LRUCache({ max: maxEntries });
  }

  /** The live entry at `key` (refreshing its recency), or undefined. */
  read(key: string, now = Date.now()): MemoryEntry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt !== 0 && entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /**
   * Stores `value`, replacing any entry; `ttlMs` undefined means no expiry (like SET without PX).
   */
  write(key: string, value: string, ttlMs?: number): MemoryEntry {
    const entry = { value, expiresAt: ttlMs === undefined ? 0 : Date.now() + ttlMs };
    this.entries.set(key, entry);
    return entry;
  }

  /** Stores a hash of `fields`, replacing any entry, as `write` does for a string. */
  writeHash(key: string, fields: RawHash, ttlMs?: number): MemoryEntry {
    const entry = this.write(key, '', ttlMs);
    entry.fields = { ...fields };
    return entry;
  }

  /** Deletes a live entry; `true` when there was one. */
  remove(key: string): boolean {
    const live = this.read(key) !== undefined;
    if (live) this.entries.delete(key);
    return live;
  }

  /** Every key, live or not yet purged (callers re-check with `read`). */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** Drops everything. */
  clear(): void {
    this.entries.clear();
  }
}
