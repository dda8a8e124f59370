/*
 * The names of the diagnostics channels nestjs-store publishes on (Node's
 * `node:diagnostics_channel`).
 *
 * Every name is `nestjs-store:<area>.<event>`, as ioredis names its channels `ioredis:<operation>`.
 * Events are plain channels: subscribe with `diagnostics_channel.subscribe(name, listener)`. Timed
 * operations are TracingChannels (`diagnostics_channel.tracingChannel(name)`); as with ioredis's
 * `ioredis:command`, their events are the channels `tracing:<name>:start`, `:end`, `:asyncStart`,
 * `:asyncEnd` and `:error`, all given one context object (Node adds `result` or `error` to it).
 *
 * The names are part of the public API: a renamed channel silently loses its subscribers, so a name
 * is never changed, only added.
 */

/**
 * A `getOrSet` (or `@Cacheable`) call served a fresh value read from the store. Payload:
 * `CacheLookupEvent`.
 */
export const CACHE_HIT_CHANNEL = 'nestjs-store:cache.hit';

/**
 * A `getOrSet` (or `@Cacheable`) call found no usable value: the value was loaded. Payload:
 * `CacheLookupEvent`.
 */
export const CACHE_MISS_CHANNEL = 'nestjs-store:cache.miss';

/**
 * A `getOrSet` (or `@Cacheable`) call was served a stale value within its grace period. Payload:
 * `CacheLookupEvent`.
 */
export const CACHE_STALE_CHANNEL = 'nestjs-store:cache.stale';

/**
 * `get` or `getOrSet` was answered from the in-process L1 tier, without a round trip. Payload:
 * `CacheL1HitEvent`.
 */
export const CACHE_L1_HIT_CHANNEL = 'nestjs-store:cache.l1.hit';

/**
 * A store command on the cache path failed: the call was served without the cache. Payload:
 * `CacheFallbackEvent`.
 */
export const CACHE_FALLBACK_CHANNEL = 'nestjs-store:cache.fallback';

/**
 * An HTTP request of a `@Cacheable` route was answered, with its `X-Cache` status. Payload:
 * `CacheHttpEvent`.
 */
export const CACHE_HTTP_CHANNEL = 'nestjs-store:cache.http';

/**
 * TracingChannel around each loader run of `getOrSet` / `@Cacheable`. Context: `CacheLoadContext`.
 */
export const CACHE_LOAD_TRACING_CHANNEL = 'nestjs-store:cache.load';

/** A rate-limit check admitted the request. Payload: `RateLimitEvent`. */
export const RATE_LIMIT_ALLOWED_CHANNEL = 'nestjs-store:rate-limit.allowed';

/** A rate-limit check refused the request. Payload: `RateLimitEvent`. */
export const RATE_LIMIT_REFUSED_CHANNEL = 'nestjs-store:rate-limit.refused';

/**
 * A rate-limit check could not reach the store and answered by its `failure` policy. Payload:
 * `RateLimitUnavailableEvent`.
 */
export const RATE_LIMIT_UNAVAILABLE_CHANNEL = 'nestjs-store:rate-limit.unavailable';

/**
 * TracingChannel around each rate-limit check (`RateLimiterService.consume`). Context:
 * `RateLimitCheckTraceContext`.
 */
export const RATE_LIMIT_CHECK_TRACING_CHANNEL = 'nestjs-store:rate-limit.check';

/** A pub/sub message was decoded and handed to a subscription. Payload: `PubSubMessageEvent`. */
export const PUBSUB_DELIVERED_CHANNEL = 'nestjs-store:pubsub.delivered';

/** A pub/sub message could not be deserialized and was skipped. Payload: `PubSubSkippedEvent`. */
export const PUBSUB_SKIPPED_CHANNEL = 'nestjs-store:pubsub.skipped';

/** A stream message was delivered to a consumer's observer. Payload: `StreamMessageEvent`. */
export const STREAM_DELIVERED_CHANNEL = 'nestjs-store:stream.delivered';

/** A delivered stream message was acknowledged (`ack()` settled). Payload: `StreamAckedEvent`. */
export const STREAM_ACKED_CHANNEL = 'nestjs-store:stream.acked';

/**
 * A consumer took over messages other consumers left idle (XAUTOCLAIM). Payload:
 * `StreamClaimedEvent`.
 */
export const STREAM_CLAIMED_CHANNEL = 'nestjs-store:stream.claimed';

/** The state of a store's connections changed. Payload: `ConnectionStateEvent`. */
export const CONNECTION_STATE_CHANNEL = 'nestjs-store:connection.state';
