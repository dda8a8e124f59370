import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { CACHE_EVICT_METADATA } from './cache.constants.js';
import type { CacheEvictOptions } from './cache-decorator-options.interface.js';
import { validateCacheEvictOptions } from './cache-options.validation.js';
import { CacheEvictInterceptor } from './cache-evict.interceptor.js';

/**
 * Removes cached entries when a handler or async provider method runs: `keys` (templates, the
 * `@Cacheable` key space), `tags`, `patterns`, or `all`. By default after the method succeeds and
 * never when it throws; `beforeInvocation: true` evicts first. Applies `CacheEvictInterceptor`
 * itself on handlers; provider methods are wrapped at bootstrap.
 *
 * @example
 * ```ts
 * @Put(':id')
 * @CacheEvict({ keys: ['user:{id}'], tags: ['users'] })
 * update(@Param('id') id: string, @Body() body: UpdateUserDto) { ... }
 * ```
 */
export function CacheEvict(options: CacheEvictOptions): MethodDecorator & ClassDecorator {
  validateCacheEvictOptions(options);
  return applyDecorators(
    SetMetadata(CACHE_EVICT_METADATA, options),
    UseInterceptors(CacheEvictInterceptor.forStore(options.store)),
  );
}
