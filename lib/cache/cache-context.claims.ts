import type { ExecutionContext } from '@nestjs/common';

/**
 * One interceptor per call does the work: Nest hands every interceptor of one call the same
 * `ExecutionContext`, so when the interceptor is both global (`APP_INTERCEPTOR`) and applied by
 * the decorator, the first claims the call and the second passes it through.
 */
export class ContextClaims {
  private readonly claimed = new WeakSet<ExecutionContext>();

  /** `true` the first time a context is seen, `false` after. */
  claim(context: ExecutionContext): boolean {
    if (this.claimed.has(context)) return false;
    this.claimed.add(context);
    return true;
  }
}
