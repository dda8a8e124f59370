import type { Cluster, Redis } from 'ioredis';
import type { StreamDriver } from './stream-driver.interface.js';

/** Receives a raw message and the full channel name it arrived on. */
export type RawMessageListener = (message: string, channel: string) => void;

/**
 * The state of a store's connections: `connected` (all ready), `reconnecting` (one is not,
 * trying; also before the first connect), `circuit-open` (one is not, and its circuit breaker is
 * open after attempts kept failing: calls fail at once until a reconnect attempt succeeds),
 * `closed` (the store was closed).
 */
export type StoreConnectionState = 'connected' | 'reconnecting' | 'circuit-open' | 'closed';

/** What one connection of a driver answered to a health probe. */
export interface ConnectionProbe {
  /**
   * Which connection: `command` (with the node, `command 10.0.0.1:7000`, for each Cluster master),
   * `subscriber`, `stream readers` (the blocking-read connections, by count), or the driver's own
   * name.
   */
  connection: string;
  /** Whether it answered (or, for stream readers, whether every one is connected). */
  ok: boolean;
  /** The PING round trip in ms, when it answered one. */
  latencyMs?: number;
  /** Why it is not ok. */
  error?: string;
  /** Its circuit breaker's state, when it has one. */
  breaker?: 'closed' | 'open' | 'half-open';
}

/**
 * Removes a subscription; resolves once the server has been told (when it was the last listener).
 */
export type Unsubscribe = () => Promise<void>;

/** The fields of a Redis hash. */
export type RawHash = Record<string, string>;

/** What a key holds: a string, the fields of a hash, or `null` when it is missing. */
export type RawValue = string | RawHash | null;

/**
 * One write of `mset`: full key, a string (SET) or the fields of a hash (replacing the key),
 * optional TTL in ms.
 */
export interface RawEntry {
  key: string;
  value: string | RawHash;
  ttlMs?: number;
}

/** The two keys one rate-limit check touches; they share a hash tag, so one slot on a Cluster. */
export interface RateLimitKeys {
  /** The script's state (a hash, a sorted set…: the script decides). */
  state: string;
  /** Present while the key is blocked (`blockMs`); its TTL is the time left. */
  block: string;
}

/** The arguments of one rate-limit check, validated by the caller. */
export interface RateLimitArgs {
  /** Units allowed (per window, or the burst size: the script decides); a positive integer. */
  limit: number;
  /** The window in ms; a positive integer, and `limit * windowMs` is a safe integer. */
  windowMs: number;
  /** Units to consume; 0 peeks (reports as if for 1 unit and writes nothing). */
  cost: number;
  /** When a consume is refused, block the key for this many ms (0: no block). */
  blockMs: number;
}

/**
 * What one rate-limit check answered, on the store's clock (Redis `TIME`; `Date.now()` in memory).
 */
export interface RawRateLimitReply {
  allowed: boolean;
  /** Units still available after this check (0 when refused). */
  remaining: number;
  /** ms until the state is back to full (0: it is full). */
  resetAfterMs: number;
  /** ms until a refused check may pass (0 when allowed). */
  retryAfterMs: number;
  /** The store's clock when the check ran (epoch ms). */
  serverNowMs: number;
}

/**
 * One rate-limit check in process, as `RateLimitScript.memory` sees it: the arguments, the clock,
 * the state key's value and the two ways to answer. Synchronous, so atomic within one process.
 */
export interface RateLimitCheckContext {
  /** The store's clock (epoch ms), read once per check. */
  readonly now: number;
  readonly limit: number;
  /** `windowMs` of the arguments. */
  readonly window: number;
  /** Units to consume; 0 peeks. */
  readonly cost: number;
  /** The units the answer is for: `cost`, or 1 for a peek. */
  readonly need: number;
  /** The state key's value (as `save` stored it), or undefined when missing or expired. */
  state<T>(): T | undefined;
  /** Replaces the state key's value, expiring in `ttlMs`. */
  save(state: unknown, ttlMs: number): void;
  /** Refuses; on a consume with `blockMs`, blocks the key, and the reply reports the block. */
  refuse(resetAfterMs: number, retryAfterMs: number): RawRateLimitReply;
  /** Admits. */
  allow(remaining: number, resetAfterMs: number): RawRateLimitReply;
}

/**
 * What a rate-limit check runs, atomically, on its two keys: one algorithm, written twice with the
 * same integer arithmetic, so every driver gives the same answers.
 *
 * `lua` is the body of a Lua function the Redis driver wraps (it adds the clock, the block key and
 * batching). In scope: `now` (server ms, from `TIME`), `time` (the `TIME` reply), `stateKey`,
 * `limit`, `window` (ms), `cost` (0 = peek: report, write nothing), `need` (`cost`, or 1 for a
 * peek) and `refuse(resetAfterMs, retryAfterMs)`. It returns `refuse(…)`, or
 * `1, remaining, resetAfterMs, 0` to admit; it touches `stateKey` only and gives it a TTL.
 * `memory` is the same step over a `RateLimitCheckContext`, for stores that do not run Lua.
 */
export interface RateLimitScript {
  /** Unique per script: checks of one script share a call. */
  readonly id: string;
  /** The check's step in Lua (see above). */
  readonly lua: string;
  /** The check's step in process (see above). */
  readonly memory: (check: RateLimitCheckContext) => RawRateLimitReply;
}

/**
 * The core every driver implements: strings, hashes, counters, expiry, deletion and the
 * connection's state, in Redis terms on full keys and stored strings. What else a store can do
 * comes from the optional capabilities (`DriverTags`, `DriverLeases`, `DriverRateLimit`,
 * `DriverPubSub`, `DriverStreams`): a driver implements each one whole or not at all.
 * Connection failures reject with `StoreConnectionError`, server-side refusals with
 * `StoreCommandError`.
 */
export interface StoreDriverCore {
  /**
   * Where the keys live: `redis` when other processes share them (cache loads then take a lease
   * across instances, with `DriverLeases`), `memory` when they live in this process only.
   */
  readonly kind: 'redis' | 'memory';
  /** The command client, for raw access; `null` when there is none (the memory driver). */
  readonly client: Redis | Cluster | null;

  /**
   * Reads a key and hands the stored string (or `null`) to `decode`, resolving to its result. The
   * decoder rides on the command's own promise: a cache hit costs no extra promise over the
   * client's. Errors thrown by `decode` reject as they are; store failures reject as typed store
   * errors.
   */
  get<R>(key: string, decode: (raw: string | null) => R | PromiseLike<R>): Promise<R>;
  /**
   * Reads a key holding a string or a hash and hands it to `decode` (a hash as its fields, `null`
   * when missing). `expect` names the type to ask for first; the other costs a second command.
   * A key of another type rejects with `StoreCommandError` (WRONGTYPE).
   */
  read<R>(
    key: string,
    decode: (raw: RawValue) => R | PromiseLike<R>,
    expect: 'string' | 'hash',
  ): Promise<R>;
  /** Reads many keys, each a string, a hash (its fields) or `null`; split per key on a Cluster. */
  mget(keys: string[]): Promise<RawValue[]>;
  /**
   * Writes a string, replacing whatever `key` holds, expiring after `ttlMs` (none when undefined).
   */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /**
   * Replaces whatever `key` holds with a hash of `fields`, atomically, expiring after `ttlMs`
   * (none when undefined).
   */
  setHash(key: string, fields: RawHash, ttlMs?: number): Promise<void>;
  /** Writes many entries (each as `set` or `setHash` would). */
  mset(entries: RawEntry[]): Promise<void>;
  /** Deletes keys; resolves to how many existed. */
  delete(keys: string[]): Promise<number>;
  /** Atomic INCRBY; keeps the key's TTL. */
  incrBy(key: string, by: number): Promise<number>;
  /** Sets a TTL on an existing key; `false` when the key does not exist. */
  pexpire(key: string, ttlMs: number): Promise<boolean>;
  /** Remaining TTL in ms; -1 without expiry; -2 when missing (Redis PTTL). */
  pttl(key: string): Promise<number>;
  /**
   * Deletes every key matching a Redis glob (SCAN on every master, batched UNLINK), except keys
   * starting with `keep`; resolves to the count.
   */
  deleteByPattern(pattern: string, keep: string): Promise<number>;

  /** The current state of the connections (see `StoreConnectionState`). */
  connectionState(): StoreConnectionState;
  /**
   * Calls `listener` on every change of `connectionState()`; returns a function that removes it.
   */
  onConnectionState(listener: (state: StoreConnectionState) => void): () => void;

  /** Closes what the driver owns, letting in-flight commands finish. */
  close(): Promise<void>;

  /**
   * Optional: probes every connection the driver holds (a PING each, bounded like any command);
   * without it, health is read from `connectionState()`.
   */
  probe?(): Promise<ConnectionProbe[]>;
}

/**
 * Capability: cache tags, as version tokens stored under tag keys (`tags` on `set`,
 * `invalidateTags`).
 */
export interface DriverTags {
  /**
   * Returns each tag's current version token, creating missing tags with a fresh token, and makes
   * each tag key live at least `ttlMs` (no expiry when undefined) so it outlives entries stamped
   * with it.
   */
  ensureTags(tagKeys: string[], ttlMs: number | undefined): Promise<string[]>;
  /** Current version tokens (`null` for tags that do not exist). */
  readTags(tagKeys: string[]): Promise<Array<string | null>>;
  /**
   * Replaces the token of each existing tag (atomic per tag); tags that do not exist stay absent.
   */
  bumpTags(tagKeys: string[]): Promise<void>;
}

/**
 * Capability: owned leases, so one instance loads a missing cache entry while others wait (`lock`).
 */
export interface DriverLeases {
  /** SET NX PX: writes only when the key is absent; `true` when written (lease locks). */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Extends the key's TTL only while it still holds `value` (a lock owner renewing its lease). */
  renewIfOwner(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Deletes the key only while it still holds `value` (a lock owner releasing it). */
  deleteIfOwner(key: string, value: string): Promise<boolean>;
}

/** Capability: atomic rate-limit checks (`RateLimiterService`, `RateLimitGuard`). */
export interface DriverRateLimit {
  /**
   * One atomic rate-limit check: `script` over `keys` (both expiring on their own), after the block
   * key is looked at, blocking it for `args.blockMs` when a consume is refused. Redis runs
   * `script.lua` (by SHA; checks made in one turn may share a call), the memory driver
   * `script.memory`.
   */
  rateLimit(
    script: RateLimitScript,
    keys: RateLimitKeys,
    args: RateLimitArgs,
  ): Promise<RawRateLimitReply>;
}

/**
 * Capability: pub/sub (`publish`, `channel$`, `@OnChannel`, and the bus that keeps L1 coherent).
 */
export interface DriverPubSub {
  /** Publishes a raw message; resolves to the number of receiving subscriptions. */
  publish(channel: string, message: string): Promise<number>;
  /** Subscribes to one channel; one server subscription serves any number of listeners. */
  subscribe(channel: string, listener: RawMessageListener): Promise<Unsubscribe>;
  /** Subscribes to a glob of channels; one server subscription serves any number of listeners. */
  psubscribe(pattern: string, listener: RawMessageListener): Promise<Unsubscribe>;
  /**
   * Calls `listener` each time the subscriber connection is back after a loss (messages published
   * in between were missed). Returns a function that removes the listener.
   */
  onSubscriberReconnect(listener: () => void): () => void;
}

/** Capability: durable streams with consumer groups (`store.stream()`, `@OnChannel` on streams). */
export interface DriverStreams {
  /** Redis Streams operations and blocking readers. */
  readonly streams: StreamDriver;
}

/**
 * What a backend implements for `StoreModule.forRoot({ driver })`: the core, plus each optional
 * capability whole or not at all. A store on a driver without a capability refuses what needs it
 * with `StoreUnsupportedError` (an `l1` tier needs pub/sub: refused at bootstrap). Check a driver
 * with `driverContract` from `nestjs-store/testing`.
 */
export type StoreDriver = StoreDriverCore &
  Partial<DriverTags & DriverLeases & DriverRateLimit & DriverPubSub & DriverStreams>;

/** The optional capabilities of a driver, by name. */
export type DriverCapability = 'tags' | 'leases' | 'rateLimit' | 'pubsub' | 'streams';

/**
 * A driver with every capability, as the store works with it: the built-in drivers, or a driver
 * completed by the store, whose missing capabilities reject with `StoreUnsupportedError`.
 */
export interface CompleteDriver
  extends StoreDriverCore, DriverTags, DriverLeases, DriverRateLimit, DriverPubSub, DriverStreams {
  /** The capabilities the backend really has. */
  readonly capabilities: ReadonlySet<DriverCapability>;
  probe(): Promise<ConnectionProbe[]>;
}

/** A `get` / `read` decoder that keeps what is stored as it is. */
export const rawValue = <T>(raw: T): T => raw;
