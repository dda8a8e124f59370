import type { Logger } from '@nestjs/common';
import type { StoreService } from '../../store/store.service.js';
import { methodCallContext, methodParameterNames } from './cache-call-context.js';
import type {
  CacheableOptions,
  CacheEvictOptions,
  CacheKeyContext,
} from './cache-decorator-options.interface.js';
import { planEviction, runEviction } from './cache-evict.run.js';
import type { EvictionRetries } from '../../engine/cache/eviction-retries.js';
import { defaultMethodKey } from './cache-key.resolver.js';
import { identityFor, planCacheable, templateKey } from './cache-plan.js';
import { runCached } from './cache-run.js';
import { isPassthroughValue } from './http-cache-rules.js';

/** A provider method as the wrapper sees it. */
export type ProviderMethod = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Marks methods already wrapped, so a provider seen twice (aliases, several explorers) is wrapped
 * once.
 */
export const WRAPPED_METHOD = Symbol('nestjs-store:wrapped-method');

/** What a wrapped provider method needs. */
export interface MethodCacheSpec {
  className: string;
  methodName: string;
  cacheable?: CacheableOptions;
  evict?: CacheEvictOptions;
  store: StoreService;
  logger: Logger;
  /** Where evictions that could not reach the store wait to be retried. */
  retries: EvictionRetries;
}

/**
 * Wraps a provider method so each call goes through `@CacheEvict` / `@Cacheable`. `async`
 * methods are wrapped at once; other methods are probed on their first call: a method that
 * returns a promise is wrapped from then on (the first call is only evicted after), one that does
 * not is left alone and a warning is logged once.
 */
export function wrapProviderMethod(
  original: ProviderMethod,
  spec: MethodCacheSpec,
): ProviderMethod {
  const names = methodParameterNames(original);
  const cached = (self: unknown, args: unknown[]) =>
    callThrough(
      () => original.apply(self, args) as Promise<unknown>,
      spec,
      methodCallContext(spec.className, spec.methodName, names, args),
    );
  const wrapped = isAsyncFunction(original)
    ? function (this: unknown, ...args: unknown[]) {
        return cached(this, args);
      }
    : probingWrapper(original, spec, names, cached);
  Object.defineProperty(wrapped, WRAPPED_METHOD, { value: true });
  Object.defineProperty(wrapped, 'name', { value: original.name });
  return wrapped;
}

async function callThrough(
  invoke: () => Promise<unknown>,
  spec: MethodCacheSpec,
  ctx: CacheKeyContext,
): Promise<unknown> {
  if (spec.evict?.beforeInvocation) await evict(spec, ctx);
  const value = spec.cacheable
    ? await cachedCall(invoke, spec, spec.cacheable, ctx)
    : await invoke();
  if (spec.evict && !spec.evict.beforeInvocation) await evict(spec, ctx);
  return value;
}

async function cachedCall(
  invoke: () => Promise<unknown>,
  spec: MethodCacheSpec,
  options: CacheableOptions,
  ctx: CacheKeyContext,
): Promise<unknown> {
  const plan = planCacheable(
    options,
    ctx,
    () => templateKey(options, ctx, () => defaultMethodKey(ctx)),
    identityFor(options.scope, () => undefined),
  );
  if (plan.kind === 'bypass') {
    spec.logger.debug(`${spec.className}.${spec.methodName} not cached: ${plan.reason}`);
    return invoke();
  }
  const storable = (value: unknown) => !isPassthroughValue(value) && !options.unless?.(value);
  return (await runCached({ store: spec.store, plan, load: invoke, storable, logger: spec.logger }))
    .value;
}

function evict(spec: MethodCacheSpec, ctx: CacheKeyContext): Promise<void> {
  const options = spec.evict as CacheEvictOptions;
  return runEviction(
    spec.store,
    planEviction(
      options,
      ctx,
      identityFor(options.scope, () => undefined),
      spec.logger,
    ),
    spec.logger,
    spec.retries,
  );
}

function probingWrapper(
  original: ProviderMethod,
  spec: MethodCacheSpec,
  names: Array<string | undefined>,
  cached: (self: unknown, args: unknown[]) => Promise<unknown>,
): ProviderMethod {
  let mode: 'unknown' | 'async' | 'sync' = 'unknown';
  return function (this: unknown, ...args: unknown[]) {
    if (mode === 'async') return cached(this, args);
    const result = original.apply(this, args);
    if (mode === 'sync') return result;
    if (!isThenable(result)) {
      mode = 'sync';
      spec.logger.warn(
        `${spec.className}.${spec.methodName} does not return a promise: ` +
          '@Cacheable/@CacheEvict ignore it (only async methods are supported)',
      );
      return result;
    }
    mode = 'async';
    if (!spec.evict) return result;
    const ctx = methodCallContext(spec.className, spec.methodName, names, args);
    return Promise.resolve(result).then(async (value) => {
      await evict(spec, ctx);
      return value;
    });
  };
}

function isAsyncFunction(fn: ProviderMethod): boolean {
  return fn.constructor.name === 'AsyncFunction';
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
