import type {
  CompleteDriver,
  DriverCapability,
  DriverLeases,
  DriverPubSub,
  DriverRateLimit,
  DriverTags,
  StoreDriver,
  StoreDriverCore,
} from './store-driver.interface.js';
import type { StreamDriver } from './stream-driver.interface.js';

/** The names of `T`'s methods. */
type MethodOf<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends (...args: never[]) => unknown ? K : never;
}[keyof T];

/** Every method of `StoreDriverCore`. */
export const CORE_METHODS = [
  'get',
  'read',
  'mget',
  'set',
  'setHash',
  'mset',
  'delete',
  'incrBy',
  'pexpire',
  'pttl',
  'deleteByPattern',
  'connectionState',
  'onConnectionState',
  'close',
] as const satisfies ReadonlyArray<MethodOf<StoreDriverCore>>;

/**
 * The methods of each capability (streams: its `streams` object's methods, see `STREAM_METHODS`).
 */
export const CAPABILITY_METHODS = {
  tags: ['ensureTags', 'readTags', 'bumpTags'],
  leases: ['setIfAbsent', 'renewIfOwner', 'deleteIfOwner'],
  rateLimit: ['rateLimit'],
  pubsub: ['publish', 'subscribe', 'psubscribe', 'onSubscriberReconnect'],
  streams: [],
} as const satisfies {
  tags: ReadonlyArray<MethodOf<DriverTags>>;
  leases: ReadonlyArray<MethodOf<DriverLeases>>;
  rateLimit: ReadonlyArray<MethodOf<DriverRateLimit>>;
  pubsub: ReadonlyArray<MethodOf<DriverPubSub>>;
  streams: readonly never[];
};

/** Every method of `StreamDriver` (`driver.streams`). */
export const STREAM_METHODS = [
  'add',
  'createGroup',
  'readPending',
  'claimIdle',
  'renew',
  'ack',
  'range',
  'openReader',
  'close',
] as const satisfies ReadonlyArray<MethodOf<StreamDriver>>;

/** Methods of the core a driver may leave out (the store then reads its state instead). */
export const OPTIONAL_CORE_METHODS = ['probe'] as const satisfies ReadonlyArray<
  MethodOf<StoreDriverCore>
>;

type Listed =
  | (typeof CORE_METHODS)[number]
  | (typeof OPTIONAL_CORE_METHODS)[number]
  | (typeof CAPABILITY_METHODS)[keyof typeof CAPABILITY_METHODS][number];
// Compiles only while the lists name every method of their interfaces.
const LISTS_COMPLETE: [
  | Exclude<MethodOf<CompleteDriver>, Listed>
  | Exclude<MethodOf<StreamDriver>, (typeof STREAM_METHODS)[number]>,
] extends [never]
  ? true
  : never = true;
void LISTS_COMPLETE;

/** Every optional capability, in the order the docs list them. */
export const DRIVER_CAPABILITIES: readonly DriverCapability[] = [
  'tags',
  'leases',
  'rateLimit',
  'pubsub',
  'streams',
];

/** What the built-in drivers declare: every capability. */
export const ALL_CAPABILITIES: ReadonlySet<DriverCapability> = new Set(DRIVER_CAPABILITIES);

/** The members `value` lacks among `methods` (as `name()`, after `path`). */
export function missingMethods(value: object, methods: readonly string[], path = ''): string[] {
  const record = value as Record<string, unknown>;
  return methods
    .filter((name) => typeof record[name] !== 'function')
    .map((name) => `${path}${name}()`);
}

/**
 * What a driver object offers: the capabilities it has whole, and the members of those it has in
 * part.
 */
export interface DriverSurvey {
  capabilities: Set<DriverCapability>;
  /** Members missing from capabilities the driver has some of (a driver must have each whole). */
  partial: string[];
}

/** Surveys the optional capabilities of a driver object (its core is checked apart). */
export function surveyCapabilities(driver: object): DriverSurvey {
  const capabilities = new Set<DriverCapability>();
  const partial: string[] = [];
  for (const capability of DRIVER_CAPABILITIES) {
    const missing = missingOf(driver, capability);
    if (missing === null) continue;
    if (missing.length === 0) capabilities.add(capability);
    else partial.push(...missing);
  }
  return { capabilities, partial };
}

/** The members of `capability` that `driver` lacks, or `null` when it has none of them. */
function missingOf(driver: object, capability: DriverCapability): string[] | null {
  if (capability === 'streams') {
    const streams = (driver as { streams?: unknown }).streams;
    if (streams === undefined || streams === null) return null;
    if (typeof streams !== 'object') return ['streams (an object)'];
    return missingMethods(streams, STREAM_METHODS, 'streams.');
  }
  const methods = CAPABILITY_METHODS[capability];
  const missing = missingMethods(driver, methods);
  return missing.length === methods.length ? null : missing;
}

/** Whether `driver` is already complete: a built-in driver, or one completed before. */
export function isCompleteDriver(driver: StoreDriver): driver is CompleteDriver {
  return (driver as Partial<CompleteDriver>).capabilities instanceof Set;
}
