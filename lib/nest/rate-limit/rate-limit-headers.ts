import type { RateLimitResult } from '../../engine/rate-limit/rate-limit.interfaces.js';
import type { RateLimitHeadersMode } from './rate-limit-options.interface.js';

/** One policy's check, as the headers report it. */
export interface RateLimitOutcome {
  /** The policy name. */
  name: string;
  /** The policy window in seconds (`w` of `RateLimit-Policy`). */
  windowSeconds: number;
  /** What `RateLimiterService.consume` answered. */
  result: RateLimitResult;
}

/**
 * A response the guard can set headers on: Express / Node (`setHeader`) or a Fastify reply
 * (`header`).
 */
export interface RateLimitResponseLike {
  setHeader?: (name: string, value: string) => unknown;
  header?: (name: string, value: string) => unknown;
  headersSent?: boolean;
  sent?: boolean;
}

/** Seconds until `resetAt` (epoch ms), rounded up, never negative. */
export function secondsUntil(resetAt: number, now = Date.now()): number {
  return Math.max(0, Math.ceil((resetAt - now) / 1000));
}

/**
 * Seconds a refused caller should wait: the longest `retryAfter` among the refusals, at least 1.
 */
export function retryAfterSeconds(outcomes: readonly RateLimitOutcome[]): number {
  const refused = outcomes.filter((outcome) => !outcome.result.allowed);
  return Math.max(1, ...refused.map((outcome) => Math.ceil(outcome.result.retryAfter)));
}

/**
 * The policy the legacy headers describe: among refusals the one to wait longest for, else the one
 * with the fewest requests left (the next to refuse).
 */
export function mostConstrained(
  outcomes: readonly RateLimitOutcome[],
): RateLimitOutcome | undefined {
  const refused = outcomes.filter((outcome) => !outcome.result.allowed);
  const pool = refused.length > 0 ? refused : outcomes;
  let best: RateLimitOutcome | undefined;
  for (const outcome of pool) {
    if (!best) best = outcome;
    else if (
      refused.length > 0
        ? outcome.result.retryAfter > best.result.retryAfter
        : outcome.result.remaining < best.result.remaining
    )
      best = outcome;
  }
  return best;
}

/** The header fields for the outcomes of one call, in the given mode (empty for `false`). */
export function rateLimitHeaders(
  mode: RateLimitHeadersMode,
  outcomes: readonly RateLimitOutcome[],
  now = Date.now(),
): Array<[string, string]> {
  if (mode === false || outcomes.length === 0) return [];
  const headers: Array<[string, string]> = [];
  if (mode === 'legacy' || mode === 'both') {
    const outcome = mostConstrained(outcomes)!;
    headers.push(
      ['X-RateLimit-Limit', String(outcome.result.limit)],
      ['X-RateLimit-Remaining', String(Math.max(0, Math.floor(outcome.result.remaining)))],
      ['X-RateLimit-Reset', String(secondsUntil(outcome.result.resetAt, now))],
    );
  }
  if (mode === 'ietf' || mode === 'both') {
    headers.push(
      [
        'RateLimit-Policy',
        outcomes
          .map(
            (outcome) =>
              `${sfString(outcome.name)};q=${outcome.result.limit};` +
              `w=${Math.ceil(outcome.windowSeconds)}`,
          )
          .join(', '),
      ],
      [
        'RateLimit',
        outcomes
          .map(
            (outcome) =>
              `${sfString(outcome.name)};r=${Math.max(0, Math.floor(outcome.result.remaining))};` +
              `t=${secondsUntil(outcome.result.resetAt, now)}`,
          )
          .join(', '),
      ],
    );
  }
  if (outcomes.some((outcome) => !outcome.result.allowed))
    headers.push(['Retry-After', String(retryAfterSeconds(outcomes))]);
  return headers;
}

/**
 * Sets the headers on an Express / Node response or a Fastify reply; a sent response or no response
 * is left alone.
 */
export function writeRateLimitHeaders(
  response: RateLimitResponseLike | null | undefined,
  headers: ReadonlyArray<[string, string]>,
): void {
  if (
    !response ||
    typeof response !== 'object' ||
    headers.length === 0 ||
    response.headersSent ||
    response.sent
  )
    return;
  for (const [name, value] of headers) {
    if (typeof response.setHeader === 'function') response.setHeader(name, value);
    else if (typeof response.header === 'function') response.header(name, value);
  }
}

/**
 * A Structured Fields string: `"name"` with `\` and `"` escaped, other characters outside printable
 * ASCII dropped.
 */
function sfString(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '').replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}
