import { SetMetadata } from '@nestjs/common';
import { SKIP_RATE_LIMIT_METADATA } from './rate-limit.constants.js';

/**
 * What `@SkipRateLimit` leaves on a handler or controller: `true` (skip every policy) or the names
 * to skip.
 */
export type SkipRateLimitMetadata = true | readonly string[];

/**
 * Exempts a handler (or every handler of a controller) from rate limiting.
 * - `@SkipRateLimit()` skips **every** policy: module defaults (`APP_GUARD`) and `@RateLimit`
 *   alike.
 * - `@SkipRateLimit('burst', 'daily')` skips only the policies with those names; the others still
 *   apply.
 *
 * On both a controller and a handler, the names add up (and `@SkipRateLimit()` on either skips
 * all).
 *
 * @example
 * ```ts
 * @Get('health')
 * @SkipRateLimit()
 * health() { ... }
 * ```
 */
export function SkipRateLimit(...names: string[]): MethodDecorator & ClassDecorator {
  for (const name of names) {
    if (typeof name !== 'string' || name.length === 0)
      throw new TypeError('@SkipRateLimit(...names): each name must be a non-empty string');
  }
  return SetMetadata<string, SkipRateLimitMetadata>(
    SKIP_RATE_LIMIT_METADATA,
    names.length === 0 ? true : Object.freeze([...names]),
  );
}
