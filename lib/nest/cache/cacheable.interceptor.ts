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
import { SSE_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import { defer, lastValueFrom, map, type Observable } from 'rxjs';
import type { ResolvedStoreOptions } from '../../engine/resolved-store-options.js';
import { STORE_RESOLVED_OPTIONS, STORE_ROOT } from '../store.constants.js';
import { bindToStore } from '../store-bound.js';
import { StoreService } from '../../store/store.service.js';
import { DEFAULT_STORE_NAME } from '../store.tokens.js';
import { CACHEABLE_METADATA, STORE_CACHE_DECORATOR_OPTIONS } from './cache.constants.js';
import { handlerCallContext, httpCallContext, type HttpRequestLike } from './cache-call-context.js';
import { ContextClaims } from '../context-claims.js';
import type {
  CacheableOptions,
  CacheKeyContext,
  StoreCacheDecoratorOptions,
} from './cache-decorator-options.interface.js';
import {
  identityFor,
  planCacheable,
  templateKey,
  type CacheEntryPlan,
  type CachePlan,
} from './cache-plan.js';
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
import { publishCacheHttp } from '../../telemetry/http-cache.telemetry.js';

const claims = new ContextClaims();
const DEFAULT_METHODS = ['GET', 'HEAD'];
const X_CACHE: Record<CacheRunStatus, XCacheValue> = {
  hit: 'HIT',
  miss: 'MISS',
  stale: 'STALE',
  bypass: 'BYPASS',
};

/**
 * Serves `@Cacheable` handlers from the store. Applied by `@Cacheable` itself; also usable as
 * `APP_INTERCEPTOR`, where every HTTP GET/HEAD handler without `@Cacheable` / `@NoCache` is cached
 * with the defaults (module `defaultTtl`), and RPC, WebSocket and GraphQL handlers without
 * `@Cacheable` pass through untouched. HTTP responses follow RFC 9111's rules for a shared cache
 * (see `runHttpCached` and the README's "HTTP rules").
 *
 * It caches in the store its module sees (`forFeature({ namespace })` gives a namespace), else in
 * the root store; `CacheableInterceptor.forStore(name)` is the interceptor of a named store.
 * Subclass it to change how requests are keyed or which are cached, as with Nest's
 * `CacheInterceptor`: override `trackBy` and `isRequestCacheable`.
 */
@Injectable()
export class CacheableInterceptor implements NestInterceptor {
  protected readonly logger = new Logger('Cacheable');
  /** The store entries are read from and written to. */
  protected readonly store: StoreService;
  /**
   * Credential headers of the module (built-in ones included), and per route when it adds its own.
   */
  private readonly credentialHeaders: string[];
  private readonly routeCredentialHeaders = new WeakMap<CacheableOptions, string[]>();

  constructor(
    @Optional() @Inject(StoreService) moduleStore: StoreService | undefined,
    @Inject(STORE_ROOT) root: StoreService,
    @Inject(Reflector) protected readonly reflector: Reflector,
    @Optional()
    @Inject(STORE_CACHE_DECORATOR_OPTIONS)
    private readonly defaults: StoreCacheDecoratorOptions = {},
    @Optional()
    @Inject(STORE_RESOLVED_OPTIONS)
    private readonly storeOptions?: ResolvedStoreOptions,
  ) {
    this.store = moduleStore ?? root;
    this.defaults = defaults ?? {};
    this.credentialHeaders = credentialHeaderNames(this.defaults.credentialHeaders);
  }

  /**
   * The interceptor of the store `name` (registered with `forRoot({ name })`);
   * `@Cacheable({ store })` applies it.
   */
  static forStore(name?: string): Type<CacheableInterceptor> {
    return bindToStore(CacheableInterceptor, name, (tokens) => [
      { token: tokens.store, optional: true },
      { token: tokens.root },
      { token: Reflector },
      { token: tokens.cacheDefaults, optional: true },
      { token: tokens.resolved, optional: true },
    ]);
  }

  /** The name of the store this interceptor serves (`'default'` unless made by `forStore`). */
  protected get storeName(): string {
    return DEFAULT_STORE_NAME;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const metadata = this.reflector.getAllAndOverride<CacheableMetadata | undefined>(
      CACHEABLE_METADATA,
      [context.getHandler(), context.getClass()],
    );
    // A handler cached in another store is that store's interceptor's work.
    if (metadata && (metadata.store ?? DEFAULT_STORE_NAME) !== this.storeName) return next.handle();
    if (metadata === false || !claims.claim(context, this.storeName)) return next.handle();
    const options = metadata ?? {};
    if (!this.isRequestCacheable(context, options)) return next.handle();
    if (context.getType() === 'http') return this.interceptHttp(context, next, options);
    return this.interceptHandler(context, next, options);
  }

  /**
   * Whether this call goes through the cache at all (`false`: the handler runs as if undecorated,
   * no `X-Cache` header). Default: HTTP requests whose method `methods` lists (HEAD with GET) and
   * that are not Server-Sent Events; other transports when `@Cacheable` gives a `key`.
   */
  protected isRequestCacheable(context: ExecutionContext, options: CacheableOptions): boolean {
    if (context.getType() !== 'http') return options.key !== undefined;
    const method = (
      context.switchToHttp().getRequest<HttpRequestLike>().method ?? 'GET'
    ).toUpperCase();
    return (
      this.cachesMethod(options, method) && !this.reflector.get(SSE_METADATA, context.getHandler())
    );
  }

  /**
   * The cache key of this call, before the store adds its `cache:` (or per-user) segment;
   * `undefined` leaves the call uncached (`X-Cache: BYPASS`). Default: the `@Cacheable` `key`
   * (template or function), else for HTTP `http:<METHOD> <host><path>?<query hash>`. Credential,
   * scope and `Vary` rules still apply to the key returned.
   */
  protected trackBy(
    context: ExecutionContext,
    ctx: CacheKeyContext,
    options: CacheableOptions,
  ): string | undefined {
    if (context.getType() !== 'http') return templateKey(options, ctx, () => undefined);
    const request = context.switchToHttp().getRequest<HttpRequestLike>();
    return templateKey(options, ctx, () =>
      defaultHttpKey(
        ctx.httpMethod ?? 'GET',
        requestHost(request),
        request.originalUrl ?? request.url ?? '/',
      ),
    );
  }

  private interceptHttp(
    context: ExecutionContext,
    next: CallHandler,
    options: CacheableOptions,
  ): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequestLike>();
    const response = http.getResponse<HttpResponseLike>();
    const method = (request.method ?? 'GET').toUpperCase();
    const ctx = httpCallContext(context, request, method === 'HEAD' ? 'GET' : method);
    const plan = this.planHttp(context, options, ctx, request);
    if (plan.kind === 'bypass') return this.bypass(ctx, plan.reason, next, response);
    const run = this.httpRun(options, plan, {
      request,
      response,
      handle: () => lastValueFrom(next.handle()),
      method,
    });
    return defer(() => runHttpCached(run)).pipe(
      map((outcome) => {
        setXCache(response, X_CACHE[outcome.status]);
        publishCacheHttp(this.storeName, outcome.status, ctx, plan.key);
        return outcome.body;
      }),
    );
  }

  private httpRun(
    options: CacheableOptions,
    plan: CacheEntryPlan,
    call: {
      request: HttpRequestLike;
      response: HttpResponseLike;
      handle: () => Promise<unknown>;
      method: string;
    },
  ): HttpCacheRun {
    const { method, ...http } = call;
    return {
      ...http,
      store: this.store,
      plan,
      policy: {
        fills: method !== 'HEAD',
        scope: options.scope ?? 'shared',
        unless: options.unless,
      },
      // A HEAD never changes the GET entry, so its no-cache does not refresh (delete) it either.
      refresh:
        method !== 'HEAD' &&
        (options.honorNoCache ?? this.defaults.honorNoCache ?? false) &&
        requestsNoCache(call.request),
      defaultTtlMs: this.storeOptions?.defaultTtlMs,
      logger: this.logger,
    };
  }

  private interceptHandler(
    context: ExecutionContext,
    next: CallHandler,
    options: CacheableOptions,
  ): Observable<unknown> {
    const ctx = handlerCallContext(context);
    const plan = planCacheable(
      options,
      ctx,
      () => this.trackBy(context, ctx, options),
      identityFor(options.scope, () => undefined),
    );
    if (plan.kind === 'bypass') return this.bypass(ctx, plan.reason, next);
    const storable = (value: unknown) => !isPassthroughValue(value) && !options.unless?.(value);
    return defer(() =>
      runCached({
        store: this.store,
        plan,
        load: () => lastValueFrom(next.handle()),
        storable,
        logger: this.logger,
      }),
    ).pipe(map((outcome) => outcome.value));
  }

  /**
   * HTTP plan. A `'shared'` entry is never read or written for a request that identifies its
   * caller (credential header, `req.user`, an identity from the user resolver); `'public'` is
   * shared whoever asks; `'user'` keys the entry by the caller's identity.
   */
  private planHttp(
    context: ExecutionContext,
    options: CacheableOptions,
    ctx: CacheKeyContext,
    request: HttpRequestLike,
  ): CachePlan {
    const scope = options.scope ?? 'shared';
    const resolver = options.user ?? this.defaults.user ?? defaultUserResolver;
    const identifiedBy =
      scope === 'shared'
        ? callerIdentifiedBy(request, this.credentialHeadersOf(options), resolver)
        : undefined;
    if (identifiedBy !== undefined)
      return { kind: 'bypass', reason: `${identifiedBy} identifies the caller (scope 'shared')` };
    const identity = identityFor(scope, () => resolveIdentity(resolver, request));
    return planCacheable(options, ctx, () => this.trackBy(context, ctx, options), identity);
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

  private bypass(
    ctx: CacheKeyContext,
    reason: string,
    next: CallHandler,
    response?: HttpResponseLike,
  ): Observable<unknown> {
    this.logger.debug(`${ctx.className}.${ctx.methodName} not cached: ${reason}`);
    if (response) {
      setXCache(response, 'BYPASS');
      publishCacheHttp(this.storeName, 'bypass', ctx, undefined, reason);
    }
    return next.handle();
  }
}
