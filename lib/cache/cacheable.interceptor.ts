import { Inject, Injectable, Logger, Optional, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { SSE_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import { defer, lastValueFrom, map, type Observable } from 'rxjs';
import type { ResolvedStoreOptions } from '../common/resolved-options.js';
import { STORE_RESOLVED_OPTIONS } from '../store.constants.js';
import { StoreService } from '../store.service.js';
import { CACHEABLE_METADATA, STORE_CACHE_DECORATOR_OPTIONS } from './cache.constants.js';
import { handlerCallContext, httpCallContext, type HttpRequestLike } from './cache-call-context.js';
import { ContextClaims } from './cache-context.claims.js';
import type { CacheableOptions, CacheKeyContext, StoreCacheDecoratorOptions } from './cache-decorator-options.interface.js';
import { validateCacheDecoratorOptions } from './cache-options.validation.js';
import { identityFor, planCacheable, type CacheEntryPlan, type CachePlan } from './cache-plan.js';
import { runCached, type CacheRunStatus } from './cache-run.js';
import type { CacheableMetadata } from './cacheable.decorator.js';
import { callerIdentifiedBy, credentialHeaderNames } from './http/http-caller.js';
import { runHttpCached, type HttpCacheRun } from './http/http-cache.run.js';
import { defaultHttpKey, requestHost } from './http/http-default-key.js';
import {
  defaultUserResolver,
  isPassthroughValue,
  requestsNoCache,
  resolveIdentity,
  setXCache,
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
 * `@Cacheable` pass through untouched. HTTP responses follow RFC 9111's rules for a shared cache
 * (see `runHttpCached` and the README's "HTTP rules").
 */
@Injectable()
export class CacheableInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Cacheable');
  /** Credential headers of the module (built-in ones included), and per route when it adds its own. */
  private readonly credentialHeaders: string[];
  private readonly routeCredentialHeaders = new WeakMap<CacheableOptions, string[]>();

  constructor(
    @Inject(StoreService) private readonly store: StoreService,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Optional() @Inject(STORE_CACHE_DECORATOR_OPTIONS) private readonly defaults: StoreCacheDecoratorOptions = {},
    @Optional() @Inject(STORE_RESOLVED_OPTIONS) private readonly storeOptions?: ResolvedStoreOptions,
  ) {
    validateCacheDecoratorOptions(defaults);
    this.credentialHeaders = credentialHeaderNames(defaults.credentialHeaders);
  }

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
    const ctx = httpCallContext(context, request, method === 'HEAD' ? 'GET' : method);
    const plan = this.planHttp(options, ctx, request);
    if (plan.kind === 'bypass') return this.bypass(ctx, plan.reason, next, response);
    const run = this.httpRun(options, plan, { request, response, handle: () => lastValueFrom(next.handle()), method });
    return defer(() => runHttpCached(run)).pipe(
      map((outcome) => {
        setXCache(response, X_CACHE[outcome.status]);
        return outcome.body;
      }),
    );
  }

  private httpRun(options: CacheableOptions, plan: CacheEntryPlan, call: { request: HttpRequestLike; response: HttpResponseLike; handle: () => Promise<unknown>; method: string }): HttpCacheRun {
    const { method, ...http } = call;
    return {
      ...http,
      store: this.store,
      plan,
      policy: { fills: method !== 'HEAD', scope: options.scope ?? 'shared', unless: options.unless },
      // A HEAD never changes the GET entry, so its no-cache does not refresh (delete) it either.
      refresh: method !== 'HEAD' && (options.honorNoCache ?? this.defaults.honorNoCache ?? false) && requestsNoCache(call.request),
      defaultTtlMs: this.storeOptions?.defaultTtlMs,
      logger: this.logger,
    };
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

  /**
   * HTTP plan. A `'shared'` entry is never read or written for a request that identifies its
   * caller (credential header, `req.user`, an identity from the user resolver); `'public'` is
   * shared whoever asks; `'user'` keys the entry by the caller's identity.
   */
  private planHttp(options: CacheableOptions, ctx: CacheKeyContext, request: HttpRequestLike): CachePlan {
    const scope = options.scope ?? 'shared';
    const resolver = options.user ?? this.defaults.user ?? defaultUserResolver;
    const identifiedBy = scope === 'shared' ? callerIdentifiedBy(request, this.credentialHeadersOf(options), resolver) : undefined;
    if (identifiedBy !== undefined) return { kind: 'bypass', reason: `${identifiedBy} identifies the caller (scope 'shared')` };
    const identity = identityFor(scope, () => resolveIdentity(resolver, request));
    const defaultKey = options.key === undefined ? defaultHttpKey(ctx.httpMethod ?? 'GET', requestHost(request), request.originalUrl ?? request.url ?? '/') : undefined;
    return planCacheable(options, ctx, defaultKey, identity);
  }

  private credentialHeadersOf(options: CacheableOptions): string[] {
    if (!options.credentialHeaders) return this.credentialHeaders;
    let names = this.routeCredentialHeaders.get(options);
    if (!names) {
      names = credentialHeaderNames(this.credentialHeaders, options.credentialHeaders);
      this.routeCredentialHeaders.set(options, names);
    }
    return names;
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
