import { StoreConfigurationError, StoreError, describe } from '../errors/store.errors.js';
import type { StoreDriver } from '../drivers/store-driver.interface.js';
import {
  CORE_METHODS,
  missingMethods,
  surveyCapabilities,
} from '../drivers/driver-capabilities.js';
import type { StoreModuleOptions } from './store-options.interface.js';
import { JsonSerializer } from '../serialization/json.serializer.js';
import type { StoreSerializer } from '../serialization/serializer.interface.js';
import { ttlToMs } from '../common/ttl.js';
import { assertKnownKeys } from './option-keys.js';
import type { ResolvedStoreOptions } from '../engine/resolved-store-options.js';

export type { ResolvedStoreOptions } from '../engine/resolved-store-options.js';
import { STORE_DEFAULTS, WAIT_FOR_CONNECTION_TIMEOUT } from './store-defaults.js';
import { segmentProblem } from '../common/validation.js';

/**
 * Every option of `StoreModule.forRoot` (with `isGlobal`, the module builder's extra). Exported for
 * the docs spec.
 */
export const MODULE_OPTIONS = [
  'redis',
  'driver',
  'keyPrefix',
  'internalSegment',
  'defaultTtl',
  'serializer',
  'maxValueSize',
  'maxKeyLength',
  'commandTimeout',
  'waitForConnection',
  'l1',
  'cache',
  'rateLimit',
  'memory',
  'pubsub',
  'circuitBreaker',
  'metrics',
  'isGlobal',
] as const;

/**
 * Characters that would break Cluster slot routing (`{}`) or SCAN/PSUBSCRIBE globs if put in the
 * global prefix.
 */
const UNSAFE_PREFIX = /[{}*?[\]\\]/;

/**
 * Validates the module options once, at bootstrap, so a misconfiguration fails the app start with a
 * clear message.
 */
export function resolveStoreOptions(options: StoreModuleOptions | undefined): ResolvedStoreOptions {
  if (!options || typeof options !== 'object') {
    throw new StoreConfigurationError(
      'StoreModule needs options: pass { redis: "redis://host:6379" } or { driver: "memory" }',
    );
  }
  assertKnownKeys(options, MODULE_OPTIONS, 'options');
  for (const [name, known] of NESTED_OPTIONS) {
    const nested: unknown = options[name];
    if (nested !== null && typeof nested === 'object' && !Array.isArray(nested))
      assertKnownKeys(nested, known, `options.${name}`);
  }
  const driver = resolveDriver(options);
  assertRedisUrl(options.redis);
  return {
    driver,
    keyPrefix: resolveKeyPrefix(options.keyPrefix),
    internalSegment: resolveInternalSegment(options.internalSegment),
    defaultTtlMs:
      options.defaultTtl === undefined ? undefined : configTtl(options.defaultTtl, 'defaultTtl'),
    serializer: resolveSerializer(options.serializer),
    maxValueSize: positiveInteger(
      options.maxValueSize,
      'maxValueSize',
      STORE_DEFAULTS.maxValueSize,
    ),
    maxKeyLength: positiveInteger(
      options.maxKeyLength,
      'maxKeyLength',
      STORE_DEFAULTS.maxKeyLength,
    ),
    commandTimeout: positiveInteger(
      options.commandTimeout,
      'commandTimeout',
      STORE_DEFAULTS.commandTimeout,
    ),
    waitForConnectionMs: resolveWaitForConnection(options.waitForConnection),
    maxEntries: positiveInteger(
      options.memory?.maxEntries,
      'memory.maxEntries',
      STORE_DEFAULTS.memory.maxEntries,
    ),
    l1: resolveL1(options.l1),
    pubsub: resolvePubSub(options.pubsub),
    breakerThreshold: resolveBreakerThreshold(options.circuitBreaker),
    prometheus: resolvePrometheus(options.metrics),
  };
}

/**
 * Nested option objects whose keys are checked too (the others are validated where they are used).
 * Exported for the docs spec.
 */
export const NESTED_OPTIONS: Array<[keyof StoreModuleOptions, readonly string[]]> = [
  ['l1', ['maxEntries', 'ttl']],
  ['memory', ['maxEntries']],
  ['pubsub', ['sharded', 'lingerMs']],
  ['circuitBreaker', ['threshold']],
  ['metrics', ['prometheus']],
  ['cache', ['user', 'honorNoCache', 'credentialHeaders']],
  ['rateLimit', ['defaults', 'headers', 'key', 'failure', 'maxBlockedKeys']],
];

/**
 * A URL string must be one ioredis reads as a Redis address (`redis://`, `rediss://`, or a Unix
 * socket path): anything else would start a client that fails to resolve a host forever.
 */
function assertRedisUrl(redis: unknown): void {
  if (typeof redis !== 'string' || redis.startsWith('/')) return;
  let protocol: string | undefined;
  try {
    protocol = new URL(redis).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new StoreConfigurationError(
      `options.redis ${describe(redis)} is not a Redis URL: expected ` +
        'redis://[user:password@]host[:port][/db], rediss://… or a Unix socket path',
    );
  }
}

function resolveDriver(options: StoreModuleOptions): ResolvedStoreOptions['driver'] {
  const driver: unknown = options.driver ?? STORE_DEFAULTS.driver;
  if (typeof driver === 'object' && driver !== null) return resolveDriverInstance(driver, options);
  if (driver !== 'redis' && driver !== 'memory') {
    throw new StoreConfigurationError(
      `options.driver must be 'redis', 'memory' or a StoreDriver object, got ${describe(driver)}`,
    );
  }
  if (
    driver === 'redis' &&
    (options.redis === undefined || options.redis === null || options.redis === '')
  ) {
    throw new StoreConfigurationError(
      'StoreModule has no Redis to use: set options.redis (a URL such as ' +
        "'redis://localhost:6379', ioredis options, { cluster }, { sentinel } or { client }), " +
        "or set options.driver: 'memory' for the embedded driver",
    );
  }
  if (driver === 'memory' && options.redis !== undefined) {
    throw new StoreConfigurationError(
      "options.redis and driver: 'memory' contradict each other: remove one",
    );
  }
  return driver;
}

/**
 * A driver instance must have the whole core of `StoreDriver` and each optional capability whole
 * or not at all (a plain object missing a method would only fail at its first call, perhaps in
 * production traffic); an `l1` tier needs pub/sub, which keeps it coherent across instances. It
 * must not come with `redis`, which it would silently ignore: it brings its own connection.
 */
function resolveDriverInstance(driver: object, options: StoreModuleOptions): StoreDriver {
  if (typeof (driver as { then?: unknown }).then === 'function') {
    throw new StoreConfigurationError(
      'options.driver is a Promise: pass the driver itself ' +
        '(await it in the useFactory of forRootAsync)',
    );
  }
  const instance = driver as Partial<StoreDriver>;
  const survey = surveyCapabilities(driver);
  const missing = [...missingMethods(driver, CORE_METHODS), ...survey.partial];
  if (instance.client === undefined) missing.push('client');
  if (instance.kind !== 'redis' && instance.kind !== 'memory')
    missing.push("kind ('redis' or 'memory')");
  if (missing.length > 0) {
    throw new StoreConfigurationError(
      `options.driver is not a StoreDriver: it lacks ${missing.join(', ')}. Implement the ` +
        'core of StoreDriver and each capability you offer whole (check a driver with ' +
        "driverContract from 'nestjs-store/testing'), or set driver: 'redis' or 'memory'",
    );
  }
  if (options.l1 !== undefined && !survey.capabilities.has('pubsub')) {
    throw new StoreConfigurationError(
      `options.l1 needs a driver with the 'pubsub' capability, which keeps L1 coherent across ` +
        `instances; ${driver.constructor.name} has none: remove l1 or add pub/sub to the driver`,
    );
  }
  if (options.redis !== undefined) {
    throw new StoreConfigurationError(
      'options.redis and a driver instance (options.driver) contradict ' +
        'each other: the instance brings its own connection; remove one',
    );
  }
  return driver as StoreDriver;
}

function resolveKeyPrefix(prefix: unknown): string {
  if (prefix === undefined) return STORE_DEFAULTS.keyPrefix;
  if (typeof prefix !== 'string' || UNSAFE_PREFIX.test(prefix)) {
    throw new StoreConfigurationError(
      `options.keyPrefix ${describe(prefix)} must be a string ` +
        'without hash tags ({}) or glob characters (* ? [ ] \\)',
    );
  }
  return prefix;
}

function resolveInternalSegment(segment: unknown): string {
  if (segment === undefined) return STORE_DEFAULTS.internalSegment;
  const problem = segmentProblem(segment);
  if (problem !== null)
    throw new StoreConfigurationError(`options.internalSegment ${describe(segment)} ${problem}`);
  return segment as string;
}

function resolveWaitForConnection(wait: StoreModuleOptions['waitForConnection']): number | null {
  if (wait === undefined || wait === false) return null;
  return configTtl(wait === true ? WAIT_FOR_CONNECTION_TIMEOUT : wait, 'waitForConnection');
}

function resolveBreakerThreshold(breaker: StoreModuleOptions['circuitBreaker']): number | null {
  if (breaker === false) return null;
  const { threshold } = STORE_DEFAULTS.circuitBreaker;
  if (breaker === undefined) return threshold;
  if (breaker === null || typeof breaker !== 'object') {
    throw new StoreConfigurationError(
      `options.circuitBreaker must be false or { threshold }, got ${describe(breaker)}`,
    );
  }
  return positiveInteger(breaker.threshold, 'circuitBreaker.threshold', threshold);
}

function resolveL1(l1: StoreModuleOptions['l1']): ResolvedStoreOptions['l1'] {
  if (l1 === undefined || l1 === false) return null;
  const options = l1 === true ? {} : l1;
  if (options === null || typeof options !== 'object') {
    throw new StoreConfigurationError(
      `options.l1 must be true, false or { maxEntries, ttl }, got ${describe(l1)}`,
    );
  }
  return {
    maxEntries: positiveInteger(options.maxEntries, 'l1.maxEntries', STORE_DEFAULTS.l1.maxEntries),
    ttlMs: configTtl(options.ttl === undefined ? STORE_DEFAULTS.l1.ttl : options.ttl, 'l1.ttl'),
  };
}

function resolvePubSub(pubsub: StoreModuleOptions['pubsub']): ResolvedStoreOptions['pubsub'] {
  if (pubsub === undefined) return { ...STORE_DEFAULTS.pubsub };
  if (pubsub === null || typeof pubsub !== 'object') {
    throw new StoreConfigurationError(
      `options.pubsub must be { sharded?, lingerMs? }, got ${describe(pubsub)}`,
    );
  }
  if (pubsub.sharded !== undefined && typeof pubsub.sharded !== 'boolean') {
    throw new StoreConfigurationError(
      `options.pubsub.sharded must be a boolean, got ${describe(pubsub.sharded)}`,
    );
  }
  const lingerMs =
    pubsub.lingerMs === 0
      ? 0
      : positiveInteger(pubsub.lingerMs, 'pubsub.lingerMs', STORE_DEFAULTS.pubsub.lingerMs);
  return { sharded: pubsub.sharded ?? STORE_DEFAULTS.pubsub.sharded, lingerMs };
}

/** Metric names (and so their prefix) by the Prometheus data model. */
const METRIC_PREFIX = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function resolvePrometheus(
  metrics: StoreModuleOptions['metrics'],
): ResolvedStoreOptions['prometheus'] {
  if (metrics === undefined) return null;
  if (metrics === null || typeof metrics !== 'object') {
    throw new StoreConfigurationError(
      `options.metrics must be { prometheus? }, got ${describe(metrics)}`,
    );
  }
  const prometheus = metrics.prometheus;
  if (prometheus === undefined || prometheus === false) return null;
  const given = prometheus === true ? {} : prometheus;
  if (given === null || typeof given !== 'object') {
    throw new StoreConfigurationError(
      'options.metrics.prometheus must be true, false or { registry?, prefix? }, ' +
        `got ${describe(prometheus)}`,
    );
  }
  assertKnownKeys(given, ['registry', 'prefix'], 'options.metrics.prometheus');
  const { registry, prefix = STORE_DEFAULTS.metrics.prometheus.prefix } = given;
  if (
    registry !== undefined &&
    (registry === null ||
      typeof registry.getSingleMetric !== 'function' ||
      typeof registry.metrics !== 'function')
  ) {
    throw new StoreConfigurationError(
      'options.metrics.prometheus.registry must be a prom-client Registry, ' +
        `got ${describe(registry)}`,
    );
  }
  if (typeof prefix !== 'string' || (prefix !== '' && !METRIC_PREFIX.test(prefix))) {
    throw new StoreConfigurationError(
      `options.metrics.prometheus.prefix ${describe(prefix)} must be letters, digits, ` +
        "'_' and ':', not starting with a digit",
    );
  }
  return { registry: registry ?? null, prefix };
}

function resolveSerializer(serializer: StoreSerializer | undefined): StoreSerializer {
  if (serializer === undefined) return new JsonSerializer();
  if (typeof serializer?.serialize !== 'function' || typeof serializer.deserialize !== 'function') {
    throw new StoreConfigurationError(
      'options.serializer must have serialize(value) and deserialize(raw) methods',
    );
  }
  return serializer;
}

function configTtl(ttl: unknown, name: string): number {
  try {
    return ttlToMs(ttl);
  } catch (error) {
    throw new StoreConfigurationError(`options.${name}: ${(error as StoreError).message}`);
  }
}

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new StoreConfigurationError(
      `options.${name} must be a positive integer, got ${describe(value)}`,
    );
  }
  return value;
}
