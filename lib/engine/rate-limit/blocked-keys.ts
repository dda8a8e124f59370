import { performance } from 'node:perf_hooks';

/** A refusal remembered in process. */
interface BlockedEntry {
  /** Monotonic clock (ms, `performance.now()`) until which every check of the key is refused. */
  until: number;
  /** The refusal's `resetAt` (epoch ms). */
  resetAt: number;
}

/**
 * Keys known to be refused until some time (on the monotonic clock: a wall-clock step never
 * lengthens or shortens a remembered refusal), per policy, so a flood from one blocked client costs
 * no store round trips. This lookup is the whole cost of such a check, so it is two plain `Map`
 * reads, with no key string built. Bounded per policy (and to 1,000 policies): when full, the
 * oldest remembered refusal is dropped (they expire in that order too, give or take); an entry is
 * dropped once its time passes. Forgetting a refusal only costs a store round trip.
 */
export class BlockedKeys {
  private readonly scopes = new Map<string, Map<string, BlockedEntry>>();
  /** Bound on remembered policies, in case policy names are built from input. */
  private static readonly MAX_SCOPES = 1_000;

  constructor(private readonly maxEntriesPerScope: number) {}

  /** Remembers that `key` is refused under `scope` (a policy) for the next `ms` milliseconds. */
  remember(scope: string, key: string, ms: number, resetAt: number, now = performance.now()): void {
    let entries = this.scopes.get(scope);
    if (entries === undefined) {
      if (this.scopes.size >= BlockedKeys.MAX_SCOPES)
        this.scopes.delete(this.scopes.keys().next().value!);
      entries = new Map();
      this.scopes.set(scope, entries);
    }
    entries.delete(key);
    if (entries.size >= this.maxEntriesPerScope) entries.delete(entries.keys().next().value!);
    entries.set(key, { until: now + ms, resetAt });
  }

  /**
   * The refusal still in force for `key` under `scope`: ms left and `resetAt`; undefined when none.
   */
  lookup(
    scope: string,
    key: string,
    now = performance.now(),
  ): { leftMs: number; resetAt: number } | undefined {
    const entries = this.scopes.get(scope);
    const entry = entries?.get(key);
    if (entry === undefined) return undefined;
    const leftMs = entry.until - now;
    if (leftMs <= 0) {
      entries!.delete(key);
      return undefined;
    }
    return { leftMs, resetAt: entry.resetAt };
  }

  /** Forgets the refusal of `key` under `scope`, if one is remembered. */
  forget(scope: string, key: string): void {
    this.scopes.get(scope)?.delete(key);
  }

  /** Forgets every remembered refusal (resets may have been missed: the store decides again). */
  clear(): void {
    this.scopes.clear();
  }
}
