import type { EarlyRefresh } from './cache-options.interface.js';

/**
 * Early refresh resolved from options: XFetch with `beta`, or a remaining-TTL `threshold` fraction.
 */
export type EarlyRefreshPolicy = { beta: number } | { threshold: number } | null;

/** Normalises `earlyRefresh` (`true` → XFetch, beta 1). */
export function earlyRefreshPolicy(option: boolean | EarlyRefresh | undefined): EarlyRefreshPolicy {
  if (option === undefined || option === false) return null;
  if (option === true) return { beta: 1 };
  if ('threshold' in option) return { threshold: option.threshold };
  return { beta: option.beta ?? 1 };
}

/**
 * Whether a fresh value should be recomputed now. XFetch (Vattani et al., VLDB 2015): refresh when
 * `now - delta * beta * ln(random()) >= expiry`, so keys that are slow to compute refresh earlier,
 * and concurrent readers rarely refresh together. Threshold: once less than that fraction of the
 * TTL remains.
 */
export function shouldRefreshEarly(
  policy: EarlyRefreshPolicy,
  now: number,
  freshUntil: number | undefined,
  delta: number | undefined,
  ttlMs: number | undefined,
): boolean {
  if (policy === null || freshUntil === undefined) return false;
  if ('threshold' in policy)
    return ttlMs !== undefined && freshUntil - now <= policy.threshold * ttlMs;
  return now - (delta ?? 0) * policy.beta * Math.log(Math.random()) >= freshUntil;
}
