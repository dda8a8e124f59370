// The public API of nestjs-store: everything importable from 'nestjs-store' is exported here.
export { StoreModule, StoreFeatureModule, StoreRootModule } from './store.module.js';
export {
  STORE_MODULE_OPTIONS,
  type StoreFeatureOptions,
  type StoreModuleAsyncOptions,
  type StoreModuleExtras,
  type StoreModuleRootOptions,
  type StoreOptionsFactory,
} from './store.module-definition.js';
export { DEFAULT_STORE_NAME, getRateLimiterToken, getStoreToken } from './nest/store.tokens.js';
export { InjectStore } from './nest/inject-store.decorator.js';
export { StoreService, type StoreEntry, type StoreSetOptions } from './store/store.service.js';
export type {
  StoreClusterConnection,
  StoreExistingClient,
  StoreMemoryOptions,
  StoreModuleOptions,
  StoreCircuitBreakerOptions,
  StorePubSubOptions,
  StoreRedisConnection,
  StoreSentinelConnection,
} from './config/store-options.interface.js';
export type { Ttl } from './common/ttl.js';
export type {
  CacheLookup,
  CacheStatus,
  EarlyRefresh,
  StoreCacheOptions,
  StoreL1Options,
} from './engine/cache/cache-options.interface.js';
export type {
  StoreMetricsOptions,
  StorePrometheusOptions,
  StorePrometheusRegistry,
} from './engine/stats/metrics-options.interface.js';
export type {
  StoreLatencyStats,
  StoreRateLimitPolicyStats,
  StoreStats,
} from './engine/stats/store-stats.interface.js';
export type { StoreSerializer } from './serialization/serializer.interface.js';
export { JsonSerializer } from './serialization/json.serializer.js';
export {
  StoreCommandError,
  StoreConfigurationError,
  StoreConnectionError,
  StoreError,
  StoreInvalidKeyError,
  StoreInvalidTtlError,
  StoreLoaderTimeoutError,
  StoreSerializationError,
  StoreUnsupportedError,
  StoreValidationError,
  StoreValueTooLargeError,
  StoreWrongTypeError,
} from './errors/store.errors.js';
export type { StoreErrorCode, StoreReplyCode } from './errors/store.errors.js';

// cache decorators
export { Cacheable, NoCache, type CacheableMetadata } from './nest/cache/cacheable.decorator.js';
export { CacheEvict } from './nest/cache/cache-evict.decorator.js';
export { CacheableInterceptor } from './nest/cache/cacheable.interceptor.js';
export { CacheEvictInterceptor } from './nest/cache/cache-evict.interceptor.js';
export {
  CACHE_EVICT_METADATA,
  CACHE_KEY_PREFIX,
  CACHEABLE_METADATA,
  STORE_CACHE_DECORATOR_OPTIONS,
  USER_CACHE_KEY_PREFIX,
} from './nest/cache/cache.constants.js';
export type {
  CacheableOptions,
  CacheCallType,
  CacheEvictOptions,
  CacheKeyContext,
  CacheKeyFunction,
  CacheScope,
  CacheUserResolver,
  StoreCacheDecoratorOptions,
} from './nest/cache/cache-decorator-options.interface.js';
export {
  isHttpCacheEntry,
  isHttpVarySpec,
  type HttpCacheEntry,
  type HttpHeaders,
  type HttpHeaderValue,
  type HttpVarySpec,
} from './nest/cache/http/http-cache-entry.js';
export { BUILT_IN_CREDENTIAL_HEADERS } from './nest/cache/http/http-caller.js';

// rate limiting
export {
  RateLimiterService,
  type RateLimiterDefaults,
} from './engine/rate-limit/rate-limiter.service.js';
export { MAX_SLIDING_LOG_LIMIT } from './engine/rate-limit/algorithms/sliding-log.algorithm.js';
export { MAX_PLAIN_CALLER_KEY } from './engine/rate-limit/caller-key.js';
export { RateLimit, type RateLimitMetadata } from './nest/rate-limit/rate-limit.decorator.js';
export {
  SkipRateLimit,
  type SkipRateLimitMetadata,
} from './nest/rate-limit/skip-rate-limit.decorator.js';
export { RateLimitGuard, type RateLimitRefusal } from './nest/rate-limit/rate-limit.guard.js';
export {
  RateLimitExceededException,
  RateLimitUnavailableException,
  type RateLimitExceptionBody,
} from './nest/rate-limit/rate-limit-exception.js';
export {
  RATE_LIMIT_METADATA,
  SKIP_RATE_LIMIT_METADATA,
  STORE_RATE_LIMIT_OPTIONS,
} from './nest/rate-limit/rate-limit.constants.js';
export { normalizeClientIp } from './nest/rate-limit/rate-limit-key.js';
export type {
  RateLimitHeadersMode,
  RateLimitKey,
  RateLimitKeyFunction,
  RateLimitRule,
  StoreRateLimitOptions,
} from './nest/rate-limit/rate-limit-options.interface.js';
export type {
  RateLimitAlgorithm,
  RateLimitFailurePolicy,
  RateLimitPolicy,
  RateLimitResult,
} from './engine/rate-limit/rate-limit.interfaces.js';

// pub/sub
export {
  OnChannel,
  type OnChannelListener,
  type OnChannelMetadata,
  type OnChannelOptions,
} from './nest/pubsub/on-channel.decorator.js';
export { ON_CHANNEL_METADATA } from './nest/pubsub/pubsub.constants.js';
export type {
  StoreMessageHandler,
  StorePatternMessage,
  StoreSubscriptionTarget,
} from './engine/pubsub/store-pubsub.js';
export type { StoreConnectionState } from './drivers/store-driver.interface.js';

// durable streams
export { STREAM_MESSAGE_FIELD } from './engine/pubsub/streams/stream.constants.js';
export type {
  StoreAppendOptions,
  StoreReplayOptions,
  StoreStreamOptions,
  StreamEntry,
  StreamMessage,
  StreamPosition,
  StreamStart,
} from './engine/pubsub/streams/stream.interfaces.js';

// drivers: `StoreModule.forRoot({ driver: instance })`; the contract suite is in
// 'nestjs-store/testing'
export type {
  RateLimitArgs,
  RateLimitCheckContext,
  RateLimitKeys,
  RateLimitScript,
  RawEntry,
  RawHash,
  RawMessageListener,
  RawRateLimitReply,
  RawValue,
  DriverCapability,
  DriverLeases,
  DriverPubSub,
  DriverRateLimit,
  DriverStreams,
  DriverTags,
  StoreDriver,
  StoreDriverCore,
  Unsubscribe,
} from './drivers/store-driver.interface.js';
export type {
  RawClaim,
  RawDelivery,
  RawStreamEntry,
  StreamDriver,
  StreamGroupStart,
  StreamReader,
} from './drivers/stream-driver.interface.js';

// health: StoreService.probe() and the @nestjs/terminus indicator
export {
  StoreHealthIndicator,
  type StoreHealthResult,
  type StoreHealthStatus,
} from './nest/health/store-health.indicator.js';
export type { ConnectionProbe, StoreProbe } from './store/store-probe.interface.js';

// telemetry: node:diagnostics_channel names and payloads (README "Telemetry (diagnostics_channel)")
export {
  CACHE_FALLBACK_CHANNEL,
  CACHE_HIT_CHANNEL,
  CACHE_HTTP_CHANNEL,
  CACHE_L1_HIT_CHANNEL,
  CACHE_LOAD_TRACING_CHANNEL,
  CACHE_MISS_CHANNEL,
  CACHE_STALE_CHANNEL,
  CONNECTION_STATE_CHANNEL,
  PUBSUB_DELIVERED_CHANNEL,
  PUBSUB_SKIPPED_CHANNEL,
  RATE_LIMIT_ALLOWED_CHANNEL,
  RATE_LIMIT_CHECK_TRACING_CHANNEL,
  RATE_LIMIT_REFUSED_CHANNEL,
  RATE_LIMIT_UNAVAILABLE_CHANNEL,
  STREAM_ACKED_CHANNEL,
  STREAM_CLAIMED_CHANNEL,
  STREAM_DELIVERED_CHANNEL,
} from './telemetry/channel-names.js';
export type { StoreEventScope, StoreKeyEvent } from './telemetry/event-scope.js';
export type {
  CacheFallbackEvent,
  CacheHttpEvent,
  CacheHttpStatus,
  CacheL1HitEvent,
  CacheLoadContext,
  CacheLookupEvent,
  CacheLookupStatus,
} from './telemetry/cache.events.js';
export type { PubSubMessageEvent, PubSubSkippedEvent } from './telemetry/pubsub.events.js';
export type {
  StreamAckedEvent,
  StreamClaimedEvent,
  StreamConsumerEvent,
  StreamMessageEvent,
} from './telemetry/stream.events.js';
export type { ConnectionStateEvent, ConnectionStateName } from './telemetry/connection.events.js';
export type {
  RateLimitCheckTraceContext,
  RateLimitEvent,
  RateLimitUnavailableEvent,
} from './telemetry/rate-limit.events.js';
