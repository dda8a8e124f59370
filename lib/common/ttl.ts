import { StoreInvalidTtlError } from '../errors/store.errors.js';

/**
 * A TTL: a number of **seconds**, or a duration string such as `'500ms'`, `'30s'`, `'5m'`, `'1h'`,
 * `'1d'`. Any string is accepted by the type (a value read from configuration is a `string`) and
 * checked at run time: anything else is a `StoreInvalidTtlError` naming the value.
 */
export type Ttl = number | string;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Converts a TTL to whole milliseconds (at least 1), or throws a `StoreInvalidTtlError` naming the
 * value.
 */
export function ttlToMs(ttl: unknown): number {
  const ms = typeof ttl === 'number' ? secondsToMs(ttl) : durationToMs(ttl);
  if (ms > Number.MAX_SAFE_INTEGER) throw new StoreInvalidTtlError(ttl, 'too large');
  return ms;
}

/**
 * Like `ttlToMs`, but `undefined` falls back to `fallbackMs` (which may itself be undefined: no
 * expiry).
 */
export function optionalTtlToMs(ttl: unknown, fallbackMs: number | undefined): number | undefined {
  return ttl === undefined ? fallbackMs : ttlToMs(ttl);
}

function secondsToMs(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new StoreInvalidTtlError(
      seconds,
      'a number TTL is seconds and must be finite and greater than 0',
    );
  }
  return Math.max(1, Math.ceil(seconds * 1000));
}

function durationToMs(ttl: unknown): number {
  const match = typeof ttl === 'string' ? DURATION.exec(ttl) : null;
  if (!match) {
    throw new StoreInvalidTtlError(
      ttl,
      "expected seconds as a number or a duration string like '500ms', '30s', '5m', '1h', '1d'",
    );
  }
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  if (ms <= 0) throw new StoreInvalidTtlError(ttl, 'must be greater than 0');
  return Math.max(1, Math.ceil(ms));
}
