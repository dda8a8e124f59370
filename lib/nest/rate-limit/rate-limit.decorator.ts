import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { RATE_LIMIT_METADATA } from './rate-limit.constants.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import type { RateLimitRule } from './rate-limit-options.interface.js';
import { validateRateLimitRules } from './rate-limit-rule.validation.js';

/** What `@RateLimit` leaves on a handler or controller: its policies. */
export type RateLimitMetadata = readonly RateLimitRule[];

/**
 * Rate-limits a handler, or every handler of a controller (HTTP on Express and Fastify, WebSocket
 * gateways, GraphQL resolvers; RPC only with a `key` function). Applies `RateLimitGuard` itself.
 *
 * With several policies, a call must pass **all** of them (give each its own `name`). A policy
 * whose name matches a module default replaces it on this route; other names are added. On a
 * handler, `@RateLimit` replaces the controller's `@RateLimit` policies of the same name.
 * By default each route counts on its own, per client IP; `scope` shares a counter, `key` changes
 * who is counted, `store` counts in a named store.
 *
 * @example
 * ```ts
 * @Post('login')
 * @RateLimit([
 *   { name: 'burst', limit: 5, window: '10s' },
 *   { name: 'hourly', limit: 30, window: '1h', algorithm: 'sliding-window' },
 * ])
 * login(@Body() body: LoginDto) { ... }
 * ```
 */
export function RateLimit(
  policies: RateLimitRule | RateLimitRule[],
): MethodDecorator & ClassDecorator {
  const rules = validateRateLimitRules(policies, '@RateLimit');
  const stores = new Set(rules.map((rule) => rule.store));
  const guards = [...stores].map((store) => RateLimitGuard.forStore(store));
  return applyDecorators(
    SetMetadata<string, RateLimitMetadata>(RATE_LIMIT_METADATA, rules),
    UseGuards(...guards),
  );
}
