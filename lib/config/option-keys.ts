import { StoreConfigurationError } from '../errors/store.errors.js';

/**
 * Throws a `StoreConfigurationError` for the first key of `options` that is not in `known`,
 * naming its path and, when one is close, the option that was meant (`keyprefix` → `keyPrefix`).
 * A typo would otherwise be ignored and its default silently used.
 */
export function assertKnownKeys(options: object, known: readonly string[], path: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const meant =
      known.find((name) => name.toLowerCase() === key.toLowerCase()) ??
      known.find((name) => editDistance(name, key) <= Math.max(2, Math.floor(name.length / 3)));
    const hint =
      meant === undefined
        ? `; the options are ${known.join(', ')}`
        : `: did you mean ${path}.${meant}?`;
    throw new StoreConfigurationError(`${path}.${key} is not an option${hint}`);
  }
}

/** Levenshtein distance, for short option names only. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}
