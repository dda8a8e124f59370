import type { ExecutionContext } from '@nestjs/common';

/**
 * One interceptor per call does the work: Nest hands every interceptor of one call the same
 * `ExecutionContext`, so when the interceptor is both global (`APP_INTERCEPTOR`) and applied by
 * the decorator, the first claims the call and the second passes it through.
 */
export class ContextClaims {
  private readonly claimed = new WeakMap<ExecutionContext, Set<string>>();

  /**
   * `true` the first time a context is seen for `store`, `false` after (each store's work is
   * claimed apart).
   */
  claim(context: ExecutionContext, store: string): boolean {
    let stores = this.claimed.get(context);
    if (!stores) this.claimed.set(context, (stores = new Set()));
    if (stores.has(store)) return false;
    stores.add(store);
    return true;
  }
}
