import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { StoreService } from '../store.service.js';
import { CACHE_EVICT_METADATA, CACHEABLE_METADATA } from './cache.constants.js';
import type { CacheEvictOptions } from './cache-decorator-options.interface.js';
import { WRAPPED_METHOD, wrapProviderMethod, type ProviderMethod } from './cache-method.wrapper.js';
import type { CacheableMetadata } from './cacheable.decorator.js';
import type { StoreContext } from '../store-context.js';
import { STORE_CONTEXT } from '../store.constants.js';

/**
 * Finds methods of providers (not controllers: those use the interceptors) that carry
 * `@Cacheable` / `@CacheEvict` and replaces them on the instance with a wrapper that runs the
 * same logic as the interceptors, with keys built from the method's arguments. Needs
 * `DiscoveryModule` imported in the module that provides it. Request-scoped and transient
 * providers are not wrapped (a warning names them).
 */
@Injectable()
export class CacheMethodExplorer implements OnModuleInit {
  private readonly logger = new Logger('CacheMethodExplorer');

  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(StoreService) private readonly store: StoreService,
    @Inject(STORE_CONTEXT) private readonly context: StoreContext,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) this.explore(wrapper);
  }

  private explore(wrapper: InstanceWrapper): void {
    const instance: unknown = wrapper.instance;
    if (instance === null || typeof instance !== 'object' || wrapper.isAlias) return;
    const prototype = Object.getPrototypeOf(instance) as object | null;
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      this.wrapMethod(instance as Record<string, unknown>, methodName, wrapper);
    }
  }

  private wrapMethod(instance: Record<string, unknown>, methodName: string, wrapper: InstanceWrapper): void {
    const method = instance[methodName];
    if (typeof method !== 'function' || (method as unknown as Record<symbol, unknown>)[WRAPPED_METHOD]) return;
    const cacheable = this.reflector.get<CacheableMetadata | undefined>(CACHEABLE_METADATA, method);
    const evict = this.reflector.get<CacheEvictOptions | undefined>(CACHE_EVICT_METADATA, method);
    if (!cacheable && !evict) return;
    const className = instance.constructor.name;
    if (!wrapper.isDependencyTreeStatic()) {
      this.logger.warn(`${className}.${methodName}: request-scoped or transient providers are not wrapped; @Cacheable/@CacheEvict ignored`);
      return;
    }
    const spec = { className, methodName, cacheable: cacheable || undefined, evict, store: this.store, logger: this.logger, retries: this.context.evictions };
    instance[methodName] = wrapProviderMethod(method as ProviderMethod, spec);
  }
}
