import { LRUCache } from 'lru-cache';

/** A refusal remembered in process. */
interface BlockedEntry {
  /** Local clock (ms) until which every check of the key is refused. */
  until: number;
  /** The refusal's `resetAt` (epoch ms). */
  resetAt: number;
}

/**
 * Keys known to be refused until some time, so a flood from one blocked client costs no store
 * round trips. Bounded (least recently used dropped first); an entry is dropped once its time passes.
 */
export class BlockedKeys {
  private readonly entries: LRUCache<string, BlockedEntry>;

  constructor(maxEntries: number) {
    this.entries = new LRUCache({ max: maxEntries });
  }

  /** Remembers that `key` is refused for the next `ms` milliseconds. */
  remember(key: string, ms: number, resetAt: number, now = Date.now()): void {
    this.entries.set(key, { until: now + ms, resetAt });
  }

  /** The refusal still in force for `key`: ms left and `resetAt`; undefined when none. */
  lookup(key: string, now = Date.now()): { leftMs: number; resetAt: number } | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const leftMs = entry.until - now;
    if (leftMs <= 0) {
      this.entries.delete(key);
      return undefined;
    }
    return { leftMs, resetAt: entry.resetAt };
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
