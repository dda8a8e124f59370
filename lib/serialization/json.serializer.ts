import { jsonLoss } from './json-loss.js';
import type { StoreSerializer } from './serializer.interface.js';

/**
 * The default serializer: `JSON.stringify` / `JSON.parse`, so other clients read plain JSON. It
 * refuses every value JSON would not give back as it was, rather than silently storing another:
 * `undefined`, functions and symbols (at the top level, or dropped inside objects and arrays),
 * `NaN` and `±Infinity` (stored as `null`), Date, Map, Set and class instances (read back as
 * strings or plain objects), and what JSON cannot encode (BigInt, circular structures). Convert
 * such values first (`date.toISOString()`), or configure a serializer that keeps their types.
 */
export class JsonSerializer implements StoreSerializer {
  /** @inheritdoc */
  serialize(value: unknown): string | undefined {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol')
      return undefined;
    const loss = jsonLoss(value);
    if (loss !== null) throw new TypeError(`${loss}: JSON would not read it back as it was`);
    return JSON.stringify(value);
  }

  /** @inheritdoc */
  deserialize(raw: string): unknown {
    return JSON.parse(raw);
  }
}
