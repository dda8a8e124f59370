import { Inject, Injectable, Logger, Optional, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { SSE_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import { defer, lastValueFrom, map, type Observable } from 'rxjs';
import { StoreService } from '../store.service.js';
import { CACHEABLE_METADATA, STORE_CACHE_DECORATOR_OPTIONS } from './cache.constants.js';
import { handlerCallContext, httpCallContext, type HttpRequestLike } from './cache-call-context.js';
import { ContextClaims } from './cache-context.claims.js';
import type { CacheableOptions, CacheKeyContext, StoreCacheDecoratorOptions } from './cache-decorator-options.interface.js';
import { defaultHttpKey } from './cache-key.resolver.js';
import { identityFor, planCacheable, type CachePlan } from './cache-plan.js';
import { runCached, type CacheRunStatus } from './cache-run.js';
import type { CacheableMetadata } from './cacheable.decorator.js';
import {
  defaultUserResolver,
  hasCredentials,
  isPassthroughValue,
  requestsNoCache,
  resolveIdentity,
  responseSent,
  setXCache,
  successStatus,
  type HttpResponseLike,
  type XCacheValue,
} from './http-cache-rules.js';

const claims = new ContextClaims();
const DEFAULT_METHODS = ['GET', 'HEAD'];
const X_CACHE: Record<CacheRunStatus, XCacheValue> = { hit: 'HIT', miss: 'MISS', stale: 'STALE', bypass: 'BYPASS' };

/**
 * Serves `@Cacheable` handlers from the store. Applied by `@Cacheable` itself; also usable as
 * `APP_INTERCEPTOR`, where every HTTP GET/HEAD handler without `@Cacheable` / `@NoCache` is cached
 * with the defaults (module `defaultTtl`), and RPC, WebSocket and GraphQL handlers without
 * `@Cacheable` pass through untouched.
 */
@Injectable()
export class CacheableInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Cacheable');

  constructor(
    @Inject(StoreService) private readonly store: StoreService,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Optional() @Inject(STORE_CACHE_DECORATOR_OPTIONS) private readonly defaults: StoreCacheDecoratorOptions = {},
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!claims.claim(context)) return next.handle();
    const metadata = this.reflector.getAllAndOverride<CacheableMetadata | undefined>(CACHEABLE_METADATA, [context.getHandler(), context.getClass()]);
    if (metadata === false) return next.handle();
    if (context.getType() === 'http') return this.interceptHttp(context, next, metadata ?? {});
    if (!metadata?.key) return next.handle();
    return this.interceptHandler(context, next, metadata);
  }

  private interceptHttp(context: ExecutionContext, next: CallHandler, options: CacheableOptions): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequestLike>();
    const response = http.getResponse<HttpResponseLike>();
    const method = (request.method ?? 'GET').toUpperCase();
    if (!this.cachesMethod(options, method) || this.reflector.get(SSE_METADATA, context.getHandler())) return next.handle();
    const keyMethod = method === 'HEAD' ? 'GET' : method;
    const ctx = httpCallContext(context, request, keyMethod);
    const plan = this.planHttp(options, ctx, request);
    if (plan.kind === 'bypass') return this.bypass(ctx, plan.reason, next, response);
    const refresh = (options.honorNoCache ?? this.defaults.honorNoCache ?? false) && requestsNoCache(request);
    // A background refresh (grace) runs the handler after the stale answer went out: only a
    // response sent before this interceptor answered was written by the handler itself.
    let answered = false;
    const storable = (value: unknown) =>
      successStatus(response) && (answered || !responseSent(response)) && !isPassthroughValue(value) && !options.unless?.(value);
    return defer(() => runCached({ store: this.store, plan, load: () => lastValueFrom(next.handle()), storable, refresh, logger: this.logger })).pipe(
      map((outcome) => {
        answered = true;
        setXCache(response, X_CACHE[outcome.status]);
        return outcome.value;
      }),
    );
  }

  private interceptHandler(context: ExecutionContext, next: CallHandler, options: CacheableOptions): Observable<unknown> {
    const ctx = handlerCallContext(context);
    const plan = planCacheable(options, ctx, undefined, identityFor(options.scope, () => undefined));
    if (plan.kind === 'bypass') return this.bypass(ctx, plan.reason, next);
    const storable = (value: unknown) => !isPassthroughValue(value) && !options.unless?.(value);
    return defer(() => runCached({ store: this.store, plan, load: () => lastValueFrom(next.handle()), storable, logger: this.logger })).pipe(
      map((outcome) => outcome.value),
    );
  }

  /** HTTP plan: shared entries are never read or written for requests carrying credentials. */
  private planHttp(options: CacheableOptions, ctx: CacheKeyContext, request: HttpRequestLike): CachePlan {
    if (options.scope !== 'user' && hasCredentials(request)) return { kind: 'bypass', reason: 'the request carries Authorization or Cookie (shared entry)' };
    const resolver = options.user ?? this.defaults.user ?? defaultUserResolver;
    const identity = identityFor(options.scope, () => resolveIdentity(resolver, request));
    return planCacheable(options, ctx, defaultHttpKey(ctx.httpMethod ?? 'GET', request.originalUrl ?? request.url ?? '/'), identity);
  }

  private cachesMethod(options: CacheableOptions, method: string): boolean {
    const methods = (options.methods ?? DEFAULT_METHODS).map((name) => name.toUpperCase());
    return methods.includes(method) || (method === 'HEAD' && methods.includes('GET'));
  }

  private bypass(ctx: CacheKeyContext, reason: string, next: CallHandler, response?: HttpResponseLike): Observable<unknown> {
    this.logger.debug(`${ctx.className}.${ctx.methodName} not cached: ${reason}`);
    if (response) setXCache(response, 'BYPASS');
    return next.handle();
  }
}
