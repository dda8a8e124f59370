import {
  messageOf,
  StoreLoaderTimeoutError,
  StoreSerializationError,
} from '../../errors/store.errors.js';
import { rawValue, type RawHash } from '../../drivers/store-driver.interface.js';
import type { StoreContext } from '../store-context.js';
import type { CacheLookup } from './cache-options.interface.js';
import type { EntryMeta } from './cache-entry.codec.js';
import type { EntryStore, StoredValue } from './entry-store.js';
import { keyForLog } from './key-for-log.js';
import { shouldRefreshEarly, type EarlyRefreshPolicy } from './freshness.js';
import { LeaseLock } from './lease-lock.js';
import {
  observeCacheLookup,
  publishCacheL1Hit,
  traceCacheLoad,
} from '../../telemetry/cache.telemetry.js';

/** Lease of the cross-instance load lock; renewed while the loader runs. */
const LOCK_LEASE_MS = 10_000;
/** Longest a caller waits for another instance's load before loading itself. */
const LOCK_WAIT_MS = 10_000;
/** Poll interval bounds while waiting for another instance's value. */
const POLL_START_MS = 5;
const POLL_MAX_MS = 50;

/** `getOrSet` options after validation. */
export interface ResolvedCacheOptions {
  ttlMs: number | undefined;
  graceMs: number | undefined;
  tagKeys: string[];
  early: EarlyRefreshPolicy;
  softMs: number | undefined;
  hardMs: number | undefined;
  lock: boolean;
  l1: boolean;
}

/** One `getOrSet` call: the user's key, its Redis keys, the loader and the options. */
export interface CacheCall<T> {
  key: string;
  fullKey: string;
  lockKey: string;
  loader: () => T | Promise<T>;
  options: ResolvedCacheOptions;
}

/**
 * Cache-aside with the protections a production cache needs: an L1 hit without a Redis round trip;
 * in-process single-flight; a lease lock so one instance loads while the others pick the value up;
 * stale-while-revalidate and stale-on-error within the grace period; early refresh (XFetch or a
 * threshold); soft and hard loader timeouts. Redis failures fall back to the loader.
 */
export class CacheAside {
  constructor(
    private readonly context: StoreContext,
    private readonly entries: EntryStore,
  ) {}

  /** The value for `call`, and where it came from. */
  lookup<T>(call: CacheCall<T>): Promise<CacheLookup<T>> {
    const fromL1 = this.fromL1(call);
    if (fromL1) return Promise.resolve(fromL1);
    const flights = this.context.flights;
    let flight = flights.get(call.fullKey) as Promise<CacheLookup<T>> | undefined;
    if (!flight) {
      flight = this.resolve(call).finally(() => flights.delete(call.fullKey));
      flights.set(call.fullKey, flight);
    }
    const hardMs = call.options.hardMs;
    const answer =
      hardMs === undefined
        ? flight
        : withDeadline(flight, hardMs, () => new StoreLoaderTimeoutError(call.key, hardMs));
    return observeCacheLookup(answer, this.context.options.keyPrefix, call);
  }

  /** The L1 hit for `call`, if there is one (and starts an early refresh when one is due). */
  fromL1<T>(call: CacheCall<T>): CacheLookup<T> | undefined {
    const entry = call.options.l1 ? this.context.l1?.get(call.fullKey) : undefined;
    if (!entry) return undefined;
    publishCacheL1Hit('getOrSet', this.context.options.keyPrefix, call.key, call.fullKey);
    this.refreshEarlyIfDue(call, entry.freshUntil, entry.delta);
    return { value: entry.value as T, status: 'hit' };
  }

  private async resolve<T>(call: CacheCall<T>): Promise<CacheLookup<T>> {
    const generation = this.context.l1?.generation ?? 0;
    const raw = await this.entries.cachePath('getOrSet', call, () =>
      this.context.driver.read(call.fullKey, rawValue, 'hash'),
    );
    // Redis is away: answer from the loader, and do not try to lock or write.
    if (raw === undefined)
      return {
        value: await traceCacheLoad(call.loader, this.context.options.keyPrefix, call),
        status: 'miss',
      };
    const stored = raw === null ? null : await this.readStored<T>(call, raw);
    if (!stored) return this.loadShared(call);
    if (!isStale(stored.meta, Date.now())) {
      this.keepInL1(call, stored, generation);
      this.refreshEarlyIfDue(call, stored.meta?.f, stored.meta?.d);
      return { value: stored.value, status: 'hit' };
    }
    return this.serveStale(call, stored.value);
  }

  /** A stale value within grace: served at once (or after `softTimeout`) while one refresh runs. */
  private async serveStale<T>(call: CacheCall<T>, stale: T): Promise<CacheLookup<T>> {
    const refresh = this.refresh(call);
    const softMs = call.options.softMs;
    if (softMs !== undefined) {
      const fresh = await withDeadline(refresh, softMs, () => null).catch(() => undefined);
      if (fresh !== undefined && fresh !== null) return { value: fresh.value, status: 'miss' };
    }
    return { value: stale, status: 'stale' };
  }

  /**
   * One background refresh per key and process; across instances, only the lock holder refreshes.
   */
  private refresh<T>(call: CacheCall<T>): Promise<{ value: T } | undefined> {
    const refreshes = this.context.refreshes;
    let running = refreshes.get(call.fullKey) as Promise<{ value: T } | undefined> | undefined;
    if (!running) {
      running = this.refreshUnderLock(call).finally(() => refreshes.delete(call.fullKey));
      refreshes.set(call.fullKey, running);
      running.catch((error: unknown) =>
        this.context.logger.warn(
          `Refresh of "${keyForLog(call.key)}" failed, stale value kept: ${messageOf(error)}`,
        ),
      );
    }
    return running;
  }

  private async refreshUnderLock<T>(call: CacheCall<T>): Promise<{ value: T } | undefined> {
    const lock = this.usesLock(call)
      ? await LeaseLock.acquire(
          this.context.driver,
          call.lockKey,
          LOCK_LEASE_MS,
          this.context.leases,
        )
      : null;
    if (this.usesLock(call) && !lock) return undefined;
    try {
      return { value: await this.compute(call) };
    } finally {
      await lock?.release();
    }
  }

  private refreshEarlyIfDue<T>(
    call: CacheCall<T>,
    freshUntil: number | undefined,
    delta: number | undefined,
  ): void {
    if (shouldRefreshEarly(call.options.early, Date.now(), freshUntil, delta, call.options.ttlMs))
      void this.refresh(call).catch(() => undefined);
  }

  /** A miss: load under the cross-instance lock, or wait for the instance that holds it. */
  private async loadShared<T>(call: CacheCall<T>): Promise<CacheLookup<T>> {
    if (!this.usesLock(call)) return { value: await this.compute(call), status: 'miss' };
    const deadline = Date.now() + LOCK_WAIT_MS;
    while (Date.now() < deadline) {
      const lock = await this.entries.cachePath('getOrSet', call, () =>
        LeaseLock.acquire(this.context.driver, call.lockKey, LOCK_LEASE_MS, this.context.leases),
      );
      if (lock === undefined)
        return {
          value: await traceCacheLoad(call.loader, this.context.options.keyPrefix, call),
          status: 'miss',
        };
      if (lock) {
        try {
          return { value: await this.compute(call), status: 'miss' };
        } finally {
          await lock.release();
        }
      }
      const filled = await this.waitForValue(call, deadline);
      if (filled) return filled;
    }
    return { value: await this.compute(call), status: 'miss' };
  }

  /**
   * Polls until another instance's value appears (a hit) or its lock is gone (`null`: try to take
   * it).
   */
  private async waitForValue<T>(
    call: CacheCall<T>,
    deadline: number,
  ): Promise<CacheLookup<T> | null> {
    const driver = this.context.driver;
    for (
      let delay = POLL_START_MS;
      Date.now() < deadline;
      delay = Math.min(delay * 2, POLL_MAX_MS)
    ) {
      await sleep(delay);
      const [lock, raw] = await Promise.all([
        driver.get(call.lockKey, rawValue),
        driver.read(call.fullKey, rawValue, 'hash'),
      ]).catch(() => [null, null]);
      const stored = raw ? await this.readStored<T>(call, raw) : null;
      if (stored && !isStale(stored.meta, Date.now()))
        return { value: stored.value, status: 'hit' };
      if (lock === null) return null;
    }
    return null;
  }

  /** Runs the loader and stores its result (stamped with tag versions read before loading). */
  private async compute<T>(call: CacheCall<T>): Promise<T> {
    const { ttlMs, graceMs, tagKeys } = call.options;
    const generation = this.context.l1?.generation ?? 0;
    const storedTtlMs = ttlMs === undefined ? undefined : ttlMs + (graceMs ?? 0);
    // Tag versions are read before loading: an invalidation during the load makes the write stale
    // at once.
    const stamps = await this.entries.cachePath('getOrSet', call, () =>
      this.entries.stamps(tagKeys, storedTtlMs),
    );
    const started = Date.now();
    const value = await traceCacheLoad(call.loader, this.context.options.keyPrefix, call);
    if (value === undefined || stamps === undefined) return value;
    const now = Date.now();
    const meta: EntryMeta = { d: now - started };
    if (ttlMs !== undefined) meta.f = now + ttlMs;
    const stored = this.entries.encode(this.entries.payload(call.key, value), stamps, meta);
    const written = await this.entries.cachePath('getOrSet', call, () =>
      this.context.driver.setHash(call.fullKey, stored, storedTtlMs).then(() => true),
    );
    if (written) this.announceWrite(call, { value, meta: { ...meta, s: stamps } }, generation);
    return value;
  }

  private announceWrite<T>(call: CacheCall<T>, stored: StoredValue<T>, generation: number): void {
    const l1 = this.context.l1;
    const unchanged = l1 !== null && l1.generation === generation;
    this.context.bus?.keysChanged([call.fullKey]);
    if (unchanged) this.keepInL1(call, stored, l1.generation);
  }

  private keepInL1<T>(call: CacheCall<T>, stored: StoredValue<T>, generation: number): void {
    const l1 = this.context.l1;
    if (!l1 || !call.options.l1 || stored.meta === null) return;
    const tagKeys = (stored.meta.s ?? []).map(([tagKey]) => tagKey);
    l1.set(
      call.fullKey,
      { value: stored.value, tagKeys, freshUntil: stored.meta.f, delta: stored.meta.d },
      generation,
    );
  }

  /**
   * Reads a stored entry; an unreadable one is logged and recomputed; Redis failures count as a
   * miss.
   */
  private async readStored<T>(
    call: CacheCall<T>,
    raw: string | RawHash,
  ): Promise<StoredValue<T> | null> {
    try {
      return (
        (await this.entries.cachePath('getOrSet', call, () =>
          this.entries.read<T>(call.key, raw),
        )) ?? null
      );
    } catch (error) {
      if (!(error instanceof StoreSerializationError)) throw error;
      this.context.logger.warn(`getOrSet: ${error.message}; recomputing it`);
      return null;
    }
  }

  /**
   * Leases span instances only on a shared store; a driver without leases keeps loads per instance.
   */
  private usesLock<T>(call: CacheCall<T>): boolean {
    const { driver } = this.context;
    return call.options.lock && driver.kind === 'redis' && driver.capabilities.has('leases');
  }
}

/** Past its freshness (`f`), the value is stale; without `f` it is fresh while it exists. */
export function isStale(meta: EntryMeta | null, now: number): boolean {
  return meta?.f !== undefined && now >= meta.f;
}

/**
 * Resolves like `promise`, or with `onTimeout()`'s result (or rejection, for an Error) after `ms`.
 */
function withDeadline<T, R>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => R,
): Promise<T | Exclude<R, Error>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Exclude<R, Error>>((resolve, reject) => {
    timer = setTimeout(() => {
      const outcome = onTimeout();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome as Exclude<R, Error>);
    }, ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
