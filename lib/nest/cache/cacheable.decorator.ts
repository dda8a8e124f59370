import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { CACHEABLE_METADATA } from './cache.constants.js';
import type { CacheableOptions } from './cache-decorator-options.interface.js';
import { validateCacheableOptions } from './cache-options.validation.js';
import { CacheableInterceptor } from './cacheable.interceptor.js';

/**
 * What `@Cacheable` leaves on a handler or method: its options, or `false` for `@NoCache()` /
 * `@Cacheable(false)`.
 */
export type CacheableMetadata = CacheableOptions | false;

/**
 * Caches the result of a controller handler (HTTP on Express and Fastify, RPC, WebSocket,
 * GraphQL) or of an async provider method, in the `StoreService` of the module.
 * On a handler it applies `CacheableInterceptor` itself; on provider methods the store's method
 * explorer wraps the method at bootstrap. `@Cacheable(false)` is the same as `@NoCache()`.
 *
 * @example
 * ```ts
 * @Get(':id')
 * @Cacheable({ key: 'user:{id}', ttl: '5m', tags: ['users', 'user:{id}'] })
 * findOne(@Param('id') id: string) { ... }
 * ```
 */
export function Cacheable(
  options: CacheableOptions | false = {},
): MethodDecorator & ClassDecorator {
  if (options === false) return NoCache();
  validateCacheableOptions(options);
  return applyDecorators(
    SetMetadata<string, CacheableMetadata>(CACHEABLE_METADATA, options),
    UseInterceptors(CacheableInterceptor.forStore(options.store)),
  );
}

/**
 * Opts a handler (or a whole controller) out of caching, including the global
 * `CacheableInterceptor` registered as `APP_INTERCEPTOR`.
 */
export function NoCache(): MethodDecorator & ClassDecorator {
  return SetMetadata<string, CacheableMetadata>(CACHEABLE_METADATA, false);
}
