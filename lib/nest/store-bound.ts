import { Inject, Injectable, Optional, type InjectionToken, type Type } from '@nestjs/common';
import { DEFAULT_STORE_NAME, storeTokens, type StoreTokens } from './store.tokens.js';

/** A constructor dependency of a store-bound class: its token, and whether it may be missing. */
export interface StoreBoundDependency {
  token: InjectionToken;
  optional?: boolean;
}

const bound = new WeakMap<object, Map<string, Type<object>>>();

/**
 * The subclass of `base` that works on the store `name`: the same class with its constructor
 * dependencies re-pointed at that store's tokens (as `AuthGuard('jwt')` makes a class per
 * strategy), memoized so a decorator used on many routes yields one class. For the default store,
 * `base` itself. The subclass reports `name` through the `storeName` getter of `base`.
 */
export function bindToStore<T extends Type<object>>(
  base: T,
  name: string | undefined,
  dependencies: (tokens: StoreTokens) => StoreBoundDependency[],
): T {
  const storeName = name ?? DEFAULT_STORE_NAME;
  if (storeName === DEFAULT_STORE_NAME) return base;
  let byName = bound.get(base);
  if (!byName) bound.set(base, (byName = new Map()));
  let subclass = byName.get(storeName);
  if (!subclass) {
    subclass = createBound(base, storeTokens(storeName), dependencies);
    byName.set(storeName, subclass);
  }
  return subclass as T;
}

function createBound(
  base: Type<object>,
  tokens: StoreTokens,
  dependencies: (tokens: StoreTokens) => StoreBoundDependency[],
): Type<object> {
  const subclass = class extends base {};
  dependencies(tokens).forEach((dependency, index) => {
    Inject(dependency.token)(subclass, undefined, index);
    if (dependency.optional) Optional()(subclass, undefined, index);
  });
  Injectable()(subclass);
  Object.defineProperty(subclass, 'name', { value: `${base.name}(${tokens.name})` });
  Object.defineProperty(subclass.prototype, 'storeName', { get: () => tokens.name });
  return subclass;
}
