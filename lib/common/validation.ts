import { StoreInvalidKeyError, StoreValidationError, describe } from '../errors/store.errors.js';

/** Throws unless `key` is a non-empty string no longer than `maxLength`. */
export function assertKey(key: unknown, maxLength: number): asserts key is string {
  if (typeof key !== 'string') throw new StoreInvalidKeyError(key, 'a key must be a string');
  if (key.length === 0) throw new StoreInvalidKeyError(key, 'a key must not be empty');
  if (key.length > maxLength)
    throw new StoreInvalidKeyError(key, `longer than ${maxLength} characters (maxKeyLength)`);
  if (!key.isWellFormed()) throw new StoreInvalidKeyError(key, LONE_SURROGATE);
}

/**
 * Why a string with a lone surrogate is refused: on the wire it would silently become another name.
 */
const LONE_SURROGATE =
  'contains a lone surrogate, which has no UTF-8 form (Redis would receive another name)';

/** Throws unless `keys` is a non-empty array of valid keys. */
export function assertKeys(keys: unknown, maxLength: number): asserts keys is string[] {
  if (!Array.isArray(keys))
    throw new StoreValidationError(`Expected an array of keys, got ${describe(keys)}`);
  for (const key of keys) assertKey(key, maxLength);
}

/**
 * Throws unless `value` is a non-empty string; `what` names it in the message (tag, channel,
 * pattern, namespace).
 */
export function assertName(
  value: unknown,
  what: string,
  maxLength: number,
): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new StoreValidationError(
      `Invalid ${what} ${describe(value)}: must be a non-empty string`,
      'STORE_INVALID_NAME',
    );
  }
  if (value.length > maxLength) {
    throw new StoreValidationError(
      `Invalid ${what} ${describe(value)}: longer than ${maxLength} characters`,
      'STORE_INVALID_NAME',
    );
  }
  // Not well-formed Unicode is a key error wherever the name ends up in Redis (as keys do).
  if (!value.isWellFormed())
    throw new StoreInvalidKeyError(value, `this ${what} name ${LONE_SURROGATE}`);
}

/** Throws unless `tags` is undefined or an array of non-empty strings. */
export function assertTags(tags: unknown, maxLength: number): asserts tags is string[] | undefined {
  if (tags === undefined) return;
  if (!Array.isArray(tags))
    throw new StoreValidationError(
      `Invalid tags ${describe(tags)}: expected an array of strings`,
      'STORE_INVALID_NAME',
    );
  for (const tag of tags) assertName(tag, 'tag', maxLength);
}

/** Throws unless `value` is a safe integer (counters are exact only within ±2^53). */
export function assertSafeInteger(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new StoreValidationError(`Invalid ${what} ${describe(value)}: must be a safe integer`);
  }
}

/** Throws unless `value` is a function. */
export function assertFunction(
  value: unknown,
  what: string,
): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function')
    throw new StoreValidationError(`Invalid ${what} ${describe(value)}: must be a function`);
}

/**
 * Characters a name segment (a namespace, the internal segment) may not hold: the separator,
 * hash-tag braces, glob characters.
 */
const SEGMENT_UNSAFE = /[:{}*?[\]\\]/;

/**
 * Why `name` cannot be one segment of a Redis name (a namespace, the internal segment), or `null`
 * when it can: a non-empty, well-formed string without `:`, braces or glob characters.
 */
export function segmentProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'must be a non-empty string';
  if (SEGMENT_UNSAFE.test(name))
    return 'must not contain ":", "{", "}" or glob characters (* ? [ ] \\)';
  if (!name.isWellFormed()) return `must not be a name that ${LONE_SURROGATE}`;
  return null;
}

/** Throws unless `store` is undefined or a store name (a decorator's `store` option). */
export function assertStoreOption(
  store: unknown,
  what: string,
): asserts store is string | undefined {
  if (store !== undefined && (typeof store !== 'string' || store.length === 0)) {
    throw new StoreValidationError(
      `Invalid ${what} store ${describe(store)}: expected the name of a store registered with ` +
        'StoreModule.forRoot({ name })',
    );
  }
}
