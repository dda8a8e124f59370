import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
  type Type,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { concatMap, defer, from, type Observable } from 'rxjs';
import type { StoreContext } from '../../engine/store-context.js';
import { STORE_CONTEXT, STORE_ROOT } from '../store.constants.js';
import { bindToStore } from '../store-bound.js';
import { StoreService } from '../../store/store.service.js';
import { DEFAULT_STORE_NAME } from '../store.tokens.js';
import { CACHE_EVICT_METADATA, STORE_CACHE_DECORATOR_OPTIONS } from './cache.constants.js';
import { handlerCallContext, httpCallContext, type HttpRequestLike } from './cache-call-context.js';
import { ContextClaims } from '../context-claims.js';
import type {
  CacheEvictOptions,
  CacheKeyContext,
  StoreCacheDecoratorOptions,
} from './cache-decorator-options.interface.js';
import { planEviction, runEviction } from './cache-evict.run.js';
import { identityFor, type CacheIdentity } from './cache-plan.js';
import { defaultUserResolver, resolveIdentity } from './http-cache-rules.js';

const claims = new ContextClaims();

/**
 * Runs the evictions of `@CacheEvict` handlers (applied by the decorator itself), in the store its
 * module sees (`forFeature({ namespace })` gives a namespace), else the root store;
 * `CacheEvictInterceptor.forStore(name)` is the interceptor of a named store.
 */
@Injectable()
export class CacheEvictInterceptor implements NestInterceptor {
  private readonly logger = new Logger('CacheEvict');
  private readonly store: StoreService;

  constructor(
    @Optional() @Inject(StoreService) moduleStore: StoreService | undefined,
    @Inject(STORE_ROOT) root: StoreService,
    @Inject(STORE_CONTEXT) private readonly context: StoreContext,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Optional()
    @Inject(STORE_CACHE_DECORATOR_OPTIONS)
    private readonly defaults: StoreCacheDecoratorOptions = {},
  ) {
    this.store = moduleStore ?? root;
    this.defaults = defaults ?? {};
  }

  /**
   * The interceptor of the store `name` (registered with `forRoot({ name })`);
   * `@CacheEvict({ store })` applies it.
   */
  static forStore(name?: string): Type<CacheEvictInterceptor> {
    return bindToStore(CacheEvictInterceptor, name, (tokens) => [
      { token: tokens.store, optional: true },
      { token: tokens.root },
      { token: tokens.context },
      { token: Reflector },
      { token: tokens.cacheDefaults, optional: true },
    ]);
  }

  /** The name of the store this interceptor serves (`'default'` unless made by `forStore`). */
  protected get storeName(): string {
    return DEFAULT_STORE_NAME;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const options = this.reflector.getAllAndOverride<CacheEvictOptions | undefined>(
      CACHE_EVICT_METADATA,
      [context.getHandler(), context.getClass()],
    );
    if (
      !options ||
      (options.store ?? DEFAULT_STORE_NAME) !== this.storeName ||
      !claims.claim(context, this.storeName)
    )
      return next.handle();
    const { ctx, identity } = this.callOf(context, options);
    const evict = () =>
      runEviction(
        this.store,
        planEviction(options, ctx, identity, this.logger),
        this.logger,
        this.context.evictions,
      );
    if (options.beforeInvocation)
      return defer(() => from(evict())).pipe(concatMap(() => next.handle()));
    return next.handle().pipe(
      concatMap(async (value: unknown) => {
        await evict();
        return value;
      }),
    );
  }

  private callOf(
    context: ExecutionContext,
    options: CacheEvictOptions,
  ): { ctx: CacheKeyContext; identity: CacheIdentity } {
    if (context.getType() !== 'http')
      return {
        ctx: handlerCallContext(context),
        identity: identityFor(options.scope, () => undefined),
      };
    const request = context.switchToHttp().getRequest<HttpRequestLike>();
    const method = (request.method ?? 'GET').toUpperCase();
    const resolver = options.user ?? this.defaults.user ?? defaultUserResolver;
    return {
      ctx: httpCallContext(context, request, method === 'HEAD' ? 'GET' : method),
      identity: identityFor(options.scope, () => resolveIdentity(resolver, request)),
    };
  }
}
