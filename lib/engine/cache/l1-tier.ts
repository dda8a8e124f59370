import { LRUCache } from 'lru-cache';
import { compileScanGlob } from '../../common/glob.js';

/** One value held in process, with what is needed to drop it or refresh it early. */
export interface L1Entry {
  value: unknown;
  /** Tag keys the value carries, so a tag invalidation drops it. */
  tagKeys: string[];
  /** Fresh until (epoch ms), when known. */
  freshUntil?: number;
  /** Time the loader took (ms), when known. */
  delta?: number;
}

/**
 * The in-process tier in front of Redis (LRU via lru-cache). Values are shared between callers:
 * treat cached values as immutable. Every invalidation bumps a generation, and a value read from
 * Redis is only kept if no invalidation arrived while it was being read, so a late read can never
 * resurrect an entry another instance has just invalidated.
 */
export class L1Tier {
  private readonly entries: LRUCache<string, L1Entry>;
  private currentGeneration = 0;
  private suspended = false;

  constructor(
    maxEntries: number,
    private readonly maxTtlMs: number,
  ) {
    this.entries = new LRUCache<string, L1Entry>({
      max: maxEntries,
      ttl: maxTtlMs,
      ttlAutopurge: false,
    });
  }

  /** How many entries are held now (expired ones not yet evicted included). */
  get size(): number {
    return this.entries.size;
  }

  /** Changes with every invalidation; pass the value read before a Redis read to `set`. */
  get generation(): number {
    return this.currentGeneration;
  }

  /** The fresh entry at `fullKey`, or undefined. */
  get(fullKey: string): L1Entry | undefined {
    return this.entries.get(fullKey);
  }

  /**
   * Keeps `entry` unless an invalidation happened since `readGeneration`; never past its freshness.
   */
  set(fullKey: string, entry: L1Entry, readGeneration: number): void {
    if (readGeneration !== this.currentGeneration || this.suspended) return;
    const ttl =
      entry.freshUntil === undefined
        ? this.maxTtlMs
        : Math.min(this.maxTtlMs, entry.freshUntil - Date.now());
    if (ttl >= 1) this.entries.set(fullKey, entry, { ttl });
  }

  /** Drops the given keys. */
  deleteKeys(fullKeys: string[]): void {
    this.currentGeneration += 1;
    for (const fullKey of fullKeys) this.entries.delete(fullKey);
  }

  /** Drops every entry carrying one of the tag keys. */
  deleteTags(tagKeys: string[]): void {
    this.currentGeneration += 1;
    const tags = new Set(tagKeys);
    for (const [fullKey, entry] of this.entries.entries()) {
      if (entry.tagKeys.some((tagKey) => tags.has(tagKey))) this.entries.delete(fullKey);
    }
  }

  /** Drops every key matching a Redis glob over full keys. */
  deletePattern(pattern: string): void {
    this.currentGeneration += 1;
    const matches = compileScanGlob(pattern);
    for (const fullKey of [...this.entries.keys()])
      if (matches(fullKey)) this.entries.delete(fullKey);
  }

  /** Whether the tier holds nothing and keeps nothing, until `resume()`. */
  get isSuspended(): boolean {
    return this.suspended;
  }

  /** Drops everything and keeps nothing until `resume()` (no bus to keep copies coherent). */
  suspend(): void {
    this.suspended = true;
    this.clear();
  }

  /** Keeps values again (the bus is listening). */
  resume(): void {
    this.suspended = false;
    this.currentGeneration += 1;
  }

  /** Drops everything (e.g. after the bus was disconnected and may have missed invalidations). */
  clear(): void {
    this.currentGeneration += 1;
    this.entries.clear();
  }
}
