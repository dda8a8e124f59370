import type { InjectionToken } from '@nestjs/common';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { StoreService } from '../store/store.service.js';

/**
 * The `StoreService` a provider's module sees under `token`, as its constructor would get it:
 * its own provider, else one exported by a module it imports (a `forFeature`, the `forRoot`
 * module, a global store; declared imports come before global ones). `undefined` when none is.
 * Decorated provider methods and `@OnChannel` listeners use it, so a feature module with
 * `forFeature({ namespace })` caches and listens in its namespace.
 */
export function storeVisibleTo(
  wrapper: InstanceWrapper,
  token: InjectionToken,
): StoreService | undefined {
  const host = wrapper.host;
  if (!host) return undefined;
  const own: unknown = host.providers.get(token)?.instance;
  if (own instanceof StoreService) return own;
  for (const imported of host.imports) {
    if (!imported.exports.has(token)) continue;
    const instance: unknown = imported.providers.get(token)?.instance;
    if (instance instanceof StoreService) return instance;
  }
  return undefined;
}
