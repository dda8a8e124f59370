import { Logger, type OnModuleInit } from '@nestjs/common';
import type { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { StoreConfigurationError } from '../../errors/store.errors.js';
import type { StoreService } from '../../store/store.service.js';
import { DEFAULT_STORE_NAME, type StoreTokens } from '../store.tokens.js';
import { storeVisibleTo } from '../visible-store.js';
import { CACHE_EVICT_METADATA, CACHEABLE_METADATA } from './cache.constants.js';
import type { CacheEvictOptions } from './cache-decorator-options.interface.js';
import { WRAPPED_METHOD, wrapProviderMethod, type ProviderMethod } from './cache-method.wrapper.js';
import type { CacheableMetadata } from './cacheable.decorator.js';
import type { StoreContext } from '../../engine/store-context.js';

/**
 * Finds methods of providers (not controllers: those use the interceptors) that carry
 * `@Cacheable` / `@CacheEvict` and replaces them on the instance with a wrapper that runs the
 * same logic as the interceptors, with keys built from the method's arguments. Needs
 * `DiscoveryModule` imported in the module that provides it. Request-scoped and transient
 * providers are not wrapped (a warning names them).
 *
 * One explorer per store: it wraps the methods whose decorators name its store (`store` option),
 * with the store the provider's module sees (a `forFeature({ namespace })` namespace), else the
 * root store.
 */
export class CacheMethodExplorer implements OnModuleInit {
  private readonly logger = new Logger('CacheMethodExplorer');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly root: StoreService,
    private readonly context: StoreContext,
    private readonly tokens: StoreTokens,
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

  private wrapMethod(
    instance: Record<string, unknown>,
    methodName: string,
    wrapper: InstanceWrapper,
  ): void {
    const method = instance[methodName];
    if (
      typeof method !== 'function' ||
      (method as unknown as Record<symbol, unknown>)[WRAPPED_METHOD]
    )
      return;
    const cacheable = this.reflector.get<CacheableMetadata | undefined>(CACHEABLE_METADATA, method);
    const evict = this.reflector.get<CacheEvictOptions | undefined>(CACHE_EVICT_METADATA, method);
    if (!cacheable && !evict) return;
    const className = instance.constructor.name;
    const stores = new Set(
      [
        cacheable ? storeNameOf(cacheable) : undefined,
        evict ? storeNameOf(evict) : undefined,
      ].filter((name) => name !== undefined),
    );
    if (stores.size > 1)
      throw new StoreConfigurationError(
        `${className}.${methodName}: @Cacheable and @CacheEvict name different stores ` +
          `(${[...stores].join(', ')}); a method uses one store`,
      );
    if (!stores.has(this.tokens.name)) return;
    if (!wrapper.isDependencyTreeStatic()) {
      this.logger.warn(
        `${className}.${methodName}: request-scoped or transient providers are not wrapped; ` +
          '@Cacheable/@CacheEvict ignored',
      );
      return;
    }
    const store = storeVisibleTo(wrapper, this.tokens.store) ?? this.root;
    const spec = {
      className,
      methodName,
      cacheable: cacheable || undefined,
      evict,
      store,
      logger: this.logger,
      retries: this.context.evictions,
    };
    instance[methodName] = wrapProviderMethod(method as ProviderMethod, spec);
  }
}

function storeNameOf(options: { store?: string }): string {
  return options.store ?? DEFAULT_STORE_NAME;
}
