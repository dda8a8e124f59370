import { replyCodeOf, type StoreReplyCode } from './reply-code.js';

export type { StoreReplyCode } from './reply-code.js';

/**
 * Every `code` a `StoreError` carries, one per kind of failure: a literal union, so a comparison
 * with a misspelt or retired code fails to compile instead of never matching.
 */
export type StoreErrorCode =
  | 'STORE_INVALID_ARGUMENT'
  | 'STORE_INVALID_NAME'
  | 'STORE_RESERVED_NAME'
  | 'STORE_INVALID_KEY'
  | 'STORE_INVALID_TTL'
  | 'STORE_SERIALIZATION'
  | 'STORE_VALUE_TOO_LARGE'
  | 'STORE_CONNECTION'
  | 'STORE_COMMAND'
  | 'STORE_WRONG_TYPE'
  | 'STORE_LOADER_TIMEOUT'
  | 'STORE_CONFIGURATION'
  | 'STORE_UNSUPPORTED';

/**
 * The codes of `StoreValidationError` and its subclasses: arguments refused before anything was
 * sent.
 */
export type StoreValidationErrorCode = Extract<
  StoreErrorCode,
  | 'STORE_INVALID_ARGUMENT'
  | 'STORE_INVALID_NAME'
  | 'STORE_RESERVED_NAME'
  | 'STORE_INVALID_KEY'
  | 'STORE_INVALID_TTL'
>;

/**
 * Every error nestjs-store throws on purpose is a `StoreError`, so callers can tell
 * "the store refused or failed" from bugs in their own code with one `instanceof`.
 */
export class StoreError extends Error {
  /** Stable, machine-readable code (e.g. `STORE_INVALID_KEY`). */
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An argument was rejected before anything was sent to the store (bad key, tag, number, name). */
export class StoreValidationError extends StoreError {
  constructor(message: string, code: StoreValidationErrorCode = 'STORE_INVALID_ARGUMENT') {
    super(code, message);
  }
}

/** A key was empty, not a string, or too long. Nothing was written. */
export class StoreInvalidKeyError extends StoreValidationError {
  /** The rejected key, as given. */
  readonly key: unknown;

  constructor(key: unknown, reason: string) {
    super(`Invalid key ${describe(key)}: ${reason}`, 'STORE_INVALID_KEY');
    this.key = key;
  }
}

/** A TTL was neither a positive number of seconds nor a duration string such as `'30s'`. */
export class StoreInvalidTtlError extends StoreValidationError {
  /** The rejected TTL, as given. */
  readonly ttl: unknown;

  constructor(ttl: unknown, reason: string) {
    super(`Invalid TTL ${describe(ttl)}: ${reason}`, 'STORE_INVALID_TTL');
    this.ttl = ttl;
  }
}

/**
 * A value could not be serialized (undefined, BigInt, circular, function), or a stored value could
 * not be read back.
 */
export class StoreSerializationError extends StoreError {
  /** The key the value belongs to (as the caller named it), or the channel for pub/sub. */
  readonly key: string;
  /** `serialize` when writing, `deserialize` when reading a stored value or message. */
  readonly direction: 'serialize' | 'deserialize';

  constructor(
    key: string,
    direction: 'serialize' | 'deserialize',
    reason: string,
    cause?: unknown,
  ) {
    const verb =
      direction === 'serialize' ? 'serialize the value for' : 'deserialize the stored value of';
    super('STORE_SERIALIZATION', `Cannot ${verb} key "${key}": ${reason}`, { cause });
    this.key = key;
    this.direction = direction;
  }
}

/** A serialized value is larger than `maxValueSize`. Nothing was written. */
export class StoreValueTooLargeError extends StoreError {
  /** The key the value was meant for. */
  readonly key: string;
  /** Size of the serialized value in bytes. */
  readonly size: number;
  /** The configured limit in bytes. */
  readonly limit: number;

  constructor(key: string, size: number, limit: number) {
    super(
      'STORE_VALUE_TOO_LARGE',
      `Value for key "${key}" is ${size} bytes, over the ${limit}-byte limit (maxValueSize)`,
    );
    this.key = key;
    this.size = size;
    this.limit = limit;
  }
}

/**
 * Redis could not be reached in time (down, reconnecting, timed out). Safe to treat as "cache
 * unavailable".
 */
export class StoreConnectionError extends StoreError {
  constructor(operation: string, cause: unknown) {
    super('STORE_CONNECTION', `Store unavailable during ${operation}: ${messageOf(cause)}`, {
      cause,
    });
  }
}

/** Redis answered with an error (wrong type, not an integer, script error, ...). */
export class StoreCommandError extends StoreError {
  /**
   * The Redis error code the reply opened with (`WRONGTYPE`, `NOGROUP`, `ERR`, ...), or `undefined`
   * when the refusal carries none. Tell refusals apart by this field, never by the message.
   */
  readonly replyCode: StoreReplyCode | undefined;

  /**
   * @param operation What was refused, for the message.
   * @param cause The server's reply error.
   * @param replyCode The reply's code. By default read from `cause`, worded as Redis words it
   *   (`new Error('WRONGTYPE …')`), so a driver written before this field existed still sets it.
   */
  constructor(
    operation: string,
    cause: unknown,
    replyCode: StoreReplyCode | undefined = replyCodeOf(cause),
  ) {
    super('STORE_COMMAND', `Store rejected ${operation}: ${messageOf(cause)}`, { cause });
    this.replyCode = replyCode;
  }
}

/**
 * A key holds something the operation cannot work on: `increment` on an entry with tags or
 * freshness (a Redis hash), or on a key of another Redis type. Nothing was written.
 */
export class StoreWrongTypeError extends StoreError {
  /** The key, as the caller named it. */
  readonly key: string;

  constructor(key: string, operation: string, reason: string) {
    super('STORE_WRONG_TYPE', `Cannot ${operation} key "${key}": ${reason}`);
    this.key = key;
  }
}

/**
 * A loader did not finish within `hardTimeout`. It keeps running and its result is still cached.
 */
export class StoreLoaderTimeoutError extends StoreError {
  /** The key being loaded. */
  readonly key: string;
  /** The timeout that ran out, in ms. */
  readonly timeoutMs: number;

  constructor(key: string, timeoutMs: number) {
    super(
      'STORE_LOADER_TIMEOUT',
      `Loader for key "${key}" did not finish within ${timeoutMs} ms (hardTimeout)`,
    );
    this.key = key;
    this.timeoutMs = timeoutMs;
  }
}

/** The module options are missing or contradictory. Thrown at bootstrap. */
export class StoreConfigurationError extends StoreError {
  constructor(message: string) {
    super('STORE_CONFIGURATION', message);
  }
}

/** The operation is not available on the configured driver (e.g. `client` on the memory driver). */
export class StoreUnsupportedError extends StoreError {
  constructor(message: string) {
    super('STORE_UNSUPPORTED', message);
  }
}

/** The message of an error, or the thrown value as text. */
export function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** Renders a rejected argument for an error message without throwing on exotic values. */
export function describe(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol' || typeof value === 'function') return String(value);
  if (value === undefined || value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
