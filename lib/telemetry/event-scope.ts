/** Which store (and namespace) an event is about. */
export interface StoreEventScope {
  /** The store's `keyPrefix` (`''` when it has none). */
  keyPrefix: string;
  /**
   * The namespace the call was made in: `''` for the root store, `'tenant1'`, nested ones joined by
   * `:` (`'a:b'`).
   */
  namespace: string;
}

/** An event about one key of a store. */
export interface StoreKeyEvent extends StoreEventScope {
  /** The key as the caller named it (within its store or namespace). */
  key: string;
  /** The full Redis key: `keyPrefix`, the namespace segments, then `key`. */
  redisKey: string;
}

/**
 * The scope of a Redis name (key, channel, stream) from its parts: a Redis name is
 * `keyPrefix + namespace segments ('a:b:') + name`, so the namespace is what lies between.
 * Computed only when an event is published, so the hot paths carry no scope object.
 */
export function scopeOf(keyPrefix: string, redisName: string, name: string): StoreEventScope {
  const segments = redisName.slice(keyPrefix.length, redisName.length - name.length);
  // Each segment ends with ':'; the namespace is reported without the last one.
  return { keyPrefix, namespace: segments.endsWith(':') ? segments.slice(0, -1) : segments };
}

/**
 * The payload fields naming one key, from the store's prefix, the full Redis key and the user's
 * key.
 */
export function keyEvent(keyPrefix: string, redisKey: string, key: string): StoreKeyEvent {
  return { ...scopeOf(keyPrefix, redisKey, key), key, redisKey };
}
