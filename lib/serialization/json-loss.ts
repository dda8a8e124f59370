/**
 * Why `JSON.parse(JSON.stringify(value))` would not give `value` back, or `null` when it would:
 * non-finite numbers (stored as `null`), values JSON drops (`undefined`, functions, symbols inside
 * objects and arrays), and objects that come back as other types (Date, Map, Set, class instances).
 * The reason names the place (`value.items[2].at`). Circular structures and BigInt are left to
 * `JSON.stringify`, which throws for them.
 */
export function jsonLoss(value: unknown): string | null {
  // This runs on every write: a lean check first; the place is worked out only when it fails.
  if (roundTrips(value)) return null;
  const path: Array<string | number> = [];
  const loss = lossAt(value, path);
  return loss === null ? null : `${describePath(path)} ${loss}`;
}

/** Whether JSON gives `value` back as it is (the fast path of `jsonLoss`, same rules). */
function roundTrips(value: unknown): boolean {
  if (typeof value !== 'object')
    return (
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value))
    );
  if (value === null) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!roundTrips(value[i])) return false;
    return true;
  }
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++)
    if (!roundTrips((value as Record<string, unknown>)[keys[i]])) return false;
  return true;
}

function lossAt(value: unknown, path: Array<string | number>): string | null {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? null : `is ${value}, which JSON stores as null`;
    case 'undefined':
      return 'is undefined, which JSON drops';
    case 'function':
    case 'symbol':
      return `is a ${typeof value}, which JSON drops`;
    case 'object':
      return value === null ? null : objectLoss(value, path);
    default:
      return null;
  }
}

function objectLoss(value: object, path: Array<string | number>): string | null {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const loss = lossAt(value[i], path);
      if (loss !== null) return loss;
      path.pop();
    }
    return null;
  }
  if (!isPlainObject(value)) {
    const type = (value.constructor as { name?: string } | undefined)?.name || 'class instance';
    return (
      `is a ${type}, which JSON reads back as ` +
      `${type === 'Date' ? 'a string' : 'a plain object'}`
    );
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    path.push(key);
    const loss = lossAt((value as Record<string, unknown>)[key], path);
    if (loss !== null) return loss;
    path.pop();
  }
  return null;
}

/**
 * A plain object's prototype is `Object.prototype` (of whichever realm made it, whose own prototype
 * is null) or null; a class instance's prototype chain is one step longer.
 */
function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

function describePath(path: Array<string | number>): string {
  return path.reduce<string>(
    (text, step) => (typeof step === 'number' ? `${text}[${step}]` : `${text}.${step}`),
    'value',
  );
}
