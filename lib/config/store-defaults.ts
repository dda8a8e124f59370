/**
 * The default of every `StoreModule.forRoot` option that has one, in one place (internal: not
 * exported from the package). `resolveStoreOptions` reads it; the `@default` tags of the option
 * interfaces and the default column of the README's Configuration table repeat it for readers, and
 * `test/docs/options-defaults.unit.spec.ts` fails when either disagrees with it. Options without a
 * value default (`redis`, `defaultTtl`: no expiry, `serializer`: JSON, `l1` and `metrics`: off,
 * `cache`) are not here; `rateLimit` keeps its own defaults with the rate-limit code.
 */
export const STORE_DEFAULTS = {
  driver: 'redis',
  keyPrefix: '',
  internalSegment: '__nestjs_store__',
  maxValueSize: 1_048_576,
  maxKeyLength: 1_024,
  commandTimeout: 2_000,
  waitForConnection: false,
  /** What `l1: true` means, and what an `l1` object leaves out. */
  l1: { maxEntries: 10_000, ttl: '1m' },
  pubsub: { sharded: false, lingerMs: 100 },
  memory: { maxEntries: 100_000 },
  circuitBreaker: { threshold: 3 },
  /** What `metrics: { prometheus: true }` means, and what a `prometheus` object leaves out. */
  metrics: { prometheus: { prefix: 'nestjs_store_' } },
} as const;

/** How long `waitForConnection: true` waits for the store at bootstrap. */
export const WAIT_FOR_CONNECTION_TIMEOUT = '10s';
