import { Inject } from '@nestjs/common';
import { getStoreToken } from './store.tokens.js';

/**
 * Injects the `StoreService` of the store `name` (registered with `forRoot({ name })`), as the
 * module sees it: the namespace when the module imports
 * `StoreModule.forFeature({ store: name, namespace })`. Without `name`, the default store (the same
 * as a plain `StoreService` parameter).
 *
 * ```ts
 * constructor(@InjectStore('sessions') private readonly sessions: StoreService) {}
 * ```
 */
export function InjectStore(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getStoreToken(name));
}
