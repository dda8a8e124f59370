import { StoreInvalidKeyError, StoreValidationError, describe } from '../errors/store.errors.js';

/** Throws unless `key` is a non-empty string no longer than `maxLength`. */
export function assertKey(key: unknown, maxLength: number): asserts key is string {
  if (typeof key !== 'string') throw new StoreInvalidKeyError(key, 'a key must be a string');
  if (key.length === 0) throw new StoreInvalidKeyError(key, 'a key must not be empty');
  if (key.length > maxLength) throw new StoreInvalidKeyError(key, `longer than ${maxLength} characters (maxKeyLength)`);
}

/** Throws unless `keys` is a non-empty array of valid keys. */
export function assertKeys(keys: unknown, maxLength: number): asserts keys is string[] {
  if (!Array.isArray(keys)) throw new StoreValidationError(`Expected an array of keys, got ${describe(keys)}`);
  for (const key of keys) assertKey(key, maxLength);
}

/** Throws unless `value` is a non-empty string; `what` names it in the message (tag, channel, pattern, namespace). */
export function assertName(value: unknown, what: string, maxLength: number): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new StoreValidationError(`Invalid ${what} ${describe(value)}: must be a non-empty string`, 'STORE_INVALID_NAME');
  }
  if (value.length > maxLength) {
    throw new StoreValidationError(`Invalid ${what} ${describe(value)}: longer than ${maxLength} characters`, 'STORE_INVALID_NAME');
  }
}

/** Throws unless `tags` is undefined or an array of non-empty strings. */
export function assertTags(tags: unknown, maxLength: number): asserts tags is string[] | undefined {
  if (tags === undefined) return;
  if (!Array.isArray(tags)) throw new StoreValidationError(`Invalid tags ${describe(tags)}: expected an array of strings`, 'STORE_INVALID_NAME');
  for (const tag of tags) assertName(tag, 'tag', maxLength);
}

/** Throws unless `value` is a safe integer (counters are exact only within ±2^53). */
export function assertSafeInteger(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new StoreValidationError(`Invalid ${what} ${describe(value)}: must be a safe integer`);
  }
}

/** Throws unless `value` is a function. */
export function assertFunction(value: unknown, what: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw new StoreValidationError(`Invalid ${what} ${describe(value)}: must be a function`);
}
