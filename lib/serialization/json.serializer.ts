import type { StoreSerializer } from './serializer.interface.js';

/**
 * The default serializer: `JSON.stringify` / `JSON.parse`. It refuses what JSON would silently
 * lose at the top level (`undefined`, functions, symbols) and what it cannot encode (BigInt,
 * circular structures) instead of storing something the caller did not mean.
 */
export class JsonSerializer implements StoreSerializer {
  /** @inheritdoc */
  serialize(value: unknown): string | undefined {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
    return JSON.stringify(value);
  }

  /** @inheritdoc */
  deserialize(raw: string): unknown {
    return JSON.parse(raw);
  }
}
