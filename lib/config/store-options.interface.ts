import type { StoreRedisConnection } from '../drivers/redis/redis-connection.options.js';
import type { Ttl } from '../common/ttl.js';
import type { StoreL1Options } from '../engine/cache/cache-options.interface.js';
import type { StoreCacheDecoratorOptions } from '../nest/cache/cache-decorator-options.interface.js';
import type { StoreRateLimitOptions } from '../nest/rate-limit/rate-limit-options.interface.js';
import type { StoreSerializer } from '../serialization/serializer.interface.js';
import type { StoreDriver } from '../drivers/store-driver.interface.js';
import type { StoreMetricsOptions } from '../engine/stats/metrics-options.interface.js';

export type {
  StoreClusterConnection,
  StoreExistingClient,
  StoreRedisConnection,
  StoreSentinelConnection,
} from '../drivers/redis/redis-connection.options.js';

/** Options of the embedded memory driver. */
export interface StoreMemoryOptions {
  /**
   * Most entries kept (keys, counters and tags together); the least recently used go first.
   * @default 100000
   */
  maxEntries?: number;
}

/** Options of pub/sub (`channel`, `pattern`, `subscribe`, `publish`, `@OnChannel`). */
export interface StorePubSubOptions {
  /**
   * On a Cluster, use sharded pub/sub for channels (SSUBSCRIBE / SPUBLISH, Redis 7+): a message
   * travels only within the shard owning its channel's slot instead of across the whole Cluster.
   * Patterns always use classic PSUBSCRIBE (Redis has no sharded patterns). Ignored elsewhere.
   * @default false
   */
  sharded?: boolean;
  /**
   * How long (ms) a channel stays subscribed after its last observer leaves, so an observer that
   * comes back right away costs no UNSUBSCRIBE/SUBSCRIBE pair. `0` unsubscribes at once.
   * @default 100
   */
  lingerMs?: number;
}

/** The circuit breaker around each connection the module creates (`circuitBreaker`). */
export interface StoreCircuitBreakerOptions {
  /**
   * Connection failures in a row (the connection lost, then each failed reconnect attempt) after
   * which the breaker opens: calls then fail at once with `StoreConnectionError`, without waiting
   * for an attempt under way, until a reconnect attempt (the probe) succeeds.
   * @default 3
   */
  threshold?: number;
}

/** Options of `StoreModule.forRoot` / the factory of `forRootAsync`. */
export interface StoreModuleOptions {
  /** Redis to use. Required unless `driver` is `'memory'` or a driver instance. */
  redis?: StoreRedisConnection;
  /**
   * The backend: `'redis'` (needs `redis`), `'memory'` for the embedded driver (explicit:
   * never a silent fallback), or a `StoreDriver` object, e.g. a third-party driver checked with
   * `driverContract` from `nestjs-store/testing`. An instance brings its own connection, so `redis`
   * must not be set with it; it is validated at bootstrap (every member of `StoreDriver` present).
   * The store takes ownership of an instance: it calls its `close()` when the application shuts
   * down (after in-flight work settles), as it does for the drivers it creates. Unlike
   * `redis: { client }`, which stays the caller's, an instance must not be closed by the caller,
   * nor given to two stores.
   * @default 'redis'
   */
  driver?: 'redis' | 'memory' | StoreDriver;
  /**
   * Prepended to every Redis name the store uses (e.g. `'myapp:'`): key `K` is the Redis key
   * `myapp:K`, channel `C` the Redis channel `myapp:C`, stream `S` the key `myapp:S`. No `{}` hash
   * tags, no glob characters.
   * @default ''
   */
  keyPrefix?: string;
  /**
   * The segment after `keyPrefix` under which the library keeps its own state (tag versions, load
   * leases, rate-limit state, the L1 bus channel): `{keyPrefix}{internalSegment}:…`. Keys,
   * channels, streams and namespaces that would name it are rejected. One segment: no `:`, braces
   * or glob characters.
   * @default '__nestjs_store__'
   */
  internalSegment?: string;
  /** TTL for writes that name none: seconds, or a duration such as `'5m'`. Default: no expiry. */
  defaultTtl?: Ttl;
  /** How values become stored strings and back. Default: JSON. */
  serializer?: StoreSerializer;
  /**
   * Largest serialized value accepted, in bytes (1 MiB).
   * @default 1048576
   */
  maxValueSize?: number;
  /**
   * Longest key, tag, channel or namespace name accepted, in characters.
   * @default 1024
   */
  maxKeyLength?: number;
  /**
   * For clients the module creates: the longest any command waits, in ms. Between reconnect
   * attempts a command fails at once with `StoreConnectionError`; during an attempt it waits for
   * it, at most this long (`connectTimeout`); a connection whose oldest command has waited this
   * long for its reply (a frozen server, a black hole) is dropped and its commands fail with
   * `StoreConnectionError`. Keep it above your slowest command.
   * @default 2000
   */
  commandTimeout?: number;
  /**
   * Whether the application start waits for the store's connection: `false` boots at once (calls
   * fail fast with `StoreConnectionError` until Redis is reachable, cache paths fall back to their
   * loaders, `@OnChannel` listeners subscribe once it is back); `true` waits up to 10 s, a `Ttl`
   * up to that long, then fails the start with a `StoreConnectionError`.
   * @default false
   */
  waitForConnection?: boolean | Ttl;
  /**
   * An in-process L1 tier in front of Redis for `get` and `getOrSet`: `true` for the defaults or
   * `{ maxEntries, ttl }`. Kept coherent across instances through an internal pub/sub channel.
   * Default: off.
   */
  l1?: boolean | StoreL1Options;
  /**
   * Module-wide defaults of `@Cacheable` / `@CacheEvict`: user resolver, `honorNoCache`, extra
   * `credentialHeaders`.
   */
  cache?: StoreCacheDecoratorOptions;
  /**
   * Rate limiting: module defaults (applied wherever `RateLimitGuard` runs), headers, key, failure
   * policy.
   */
  rateLimit?: StoreRateLimitOptions;
  /** Options of the memory driver. */
  memory?: StoreMemoryOptions;
  /** Pub/sub: sharded channels on a Cluster, linger after the last observer. */
  pubsub?: StorePubSubOptions;
  /**
   * A circuit breaker around each connection the module creates (see
   * `StoreCircuitBreakerOptions`); its state shows in `connectionState$` as `circuit-open`.
   * `false` turns it off. Default `{ threshold: 3 }`.
   */
  circuitBreaker?: false | StoreCircuitBreakerOptions;
  /**
   * Metrics to export: `{ prometheus: true }` registers the store's Prometheus metrics through
   * `prom-client`, which the app must have installed (see `StoreMetricsOptions`).
   * `StoreService.stats()` needs no option. Default: off.
   */
  metrics?: StoreMetricsOptions;
}
