/**
 * Turns values into the strings stored in Redis and back. The default is JSON; plug in your own
 * (e.g. superjson for Dates and Maps) through `StoreModuleOptions.serializer`.
 */
export interface StoreSerializer {
  /**
   * Returns the stored form of `value`. Throw (or return `undefined`) for values that cannot be
   * stored.
   */
  serialize(value: unknown): string | undefined;
  /** Reads a stored string back. Throw for input that is not valid for this serializer. */
  deserialize(raw: string): unknown;
}
