/**
 * The protected hooks apps override, as with Nest's `CacheInterceptor` and `ThrottlerGuard`:
 * subclasses registered as APP_INTERCEPTOR / APP_GUARD in a real app over HTTP, checked with a
 * raw Redis client.
 */
import 'reflect-metadata';
import {
  Controller,
  Get,
  HttpException,
  Injectable,
  Module,
  Param,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { Redis } from 'ioredis';
import {
  Cacheable,
  CacheableInterceptor,
  RateLimit,
  RateLimitGuard,
  StoreModule,
  type CacheableOptions,
  type CacheKeyContext,
  type RateLimitKey,
  type RateLimitRefusal,
  type RateLimitRule,
} from '../../lib/index.js';
import { scanKeys } from '../contract/foreign-client.js';
import { harnessInfo } from '../support/harness-info.js';
import { listenHttp } from '../support/http-app.js';
import { testKeyPrefix } from '../support/key-prefix.js';

let calls = 0;

type Request = { headers: Record<string, string | undefined> };

function header(context: ExecutionContext, name: string): string | undefined {
  return context.switchToHttp().getRequest<Request>().headers[name];
}

/** Keys every entry by tenant, and never caches requests marked `x-preview`. */
@Injectable()
class TenantCacheInterceptor extends CacheableInterceptor {
  protected override trackBy(
    context: ExecutionContext,
    ctx: CacheKeyContext,
    options: CacheableOptions,
  ): string | undefined {
    const tenant = header(context, 'x-tenant');
    const key = super.trackBy(context, ctx, options);
    return tenant === undefined || key === undefined ? undefined : `tenant:${tenant}:${key}`;
  }

  protected override isRequestCacheable(
    context: ExecutionContext,
    options: CacheableOptions,
  ): boolean {
    return header(context, 'x-preview') === undefined && super.isRequestCacheable(context, options);
  }
}

/** Counts by API key, lets internal calls through, answers a refusal with its own error. */
@Injectable()
class ApiKeyGuard extends RateLimitGuard {
  static refusals: RateLimitRefusal[] = [];

  protected override async getTracker(
    context: ExecutionContext,
    key: RateLimitKey,
  ): Promise<string | undefined> {
    return header(context, 'x-api-key') ?? super.getTracker(context, key);
  }

  protected override shouldSkip(context: ExecutionContext): boolean {
    return header(context, 'x-internal') === 'yes';
  }

  protected override generateKey(
    context: ExecutionContext,
    scope: string,
    tracker: string,
    rule: RateLimitRule,
  ): string {
    return `apikey:${super.generateKey(context, scope, tracker, rule)}`;
  }

  protected override async throwRateLimitException(
    _context: ExecutionContext,
    refusal: RateLimitRefusal,
  ): Promise<never> {
    ApiKeyGuard.refusals.push(refusal);
    throw new HttpException(
      { message: 'slow down', policy: refusal.policy, retryAfter: refusal.retryAfter },
      420,
    );
  }
}

@Controller()
class ReportsController {
  @Get('report/:id')
  @Cacheable({ ttl: '1m' })
  report(@Param('id') id: string) {
    return { id, call: ++calls };
  }

  @Get('search')
  @RateLimit({ name: 'search', limit: 1, window: '1m' })
  search() {
    return { ok: true };
  }
}

describe('extension hooks', () => {
  const prefix = testKeyPrefix('hooks');
  let app: INestApplication;
  let url: string;
  let raw: Redis;

  beforeAll(async () => {
    @Module({
      imports: [StoreModule.forRoot({ redis: harnessInfo().standaloneUrl, keyPrefix: prefix })],
      controllers: [ReportsController],
      providers: [
        { provide: APP_INTERCEPTOR, useClass: TenantCacheInterceptor },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
      ],
    })
    class AppModule {}
    ({ app, url } = await listenHttp(AppModule));
    raw = new Redis(harnessInfo().standaloneUrl);
  });
  afterAll(async () => {
    await app.close();
    raw.disconnect();
  });

  async function get(path: string, headers: Record<string, string> = {}) {
    const response = await fetch(url + path, { headers });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      cache: response.headers.get('x-cache'),
    };
  }

  it('CacheableInterceptor.trackBy keys entries by what the subclass returns', async () => {
    const a1 = await get('/report/1', { 'x-tenant': 'a' });
    const a2 = await get('/report/1', { 'x-tenant': 'a' });
    const b1 = await get('/report/1', { 'x-tenant': 'b' });
    expect([a1.cache, a2.cache, b1.cache]).toEqual(['MISS', 'HIT', 'MISS']);
    expect(a2.body).toEqual(a1.body);
    expect(b1.body).not.toEqual(a1.body);
    const keys = await scanKeys(raw, `${prefix}cache:tenant:*`);
    expect(
      keys.map((key) => key.slice(prefix.length).split(':').slice(0, 3).join(':')).sort(),
    ).toEqual(['cache:tenant:a', 'cache:tenant:b']);
  });

  it('a trackBy of undefined bypasses the cache', async () => {
    const first = await get('/report/2');
    const second = await get('/report/2');
    expect([first.cache, second.cache]).toEqual(['BYPASS', 'BYPASS']);
    expect(second.body).not.toEqual(first.body);
  });

  it('CacheableInterceptor.isRequestCacheable false runs the handler untouched', async () => {
    const preview = await get('/report/1', { 'x-tenant': 'a', 'x-preview': '1' });
    expect(preview.cache).toBeNull();
    expect(preview.body.call).toBeGreaterThan(0);
  });

  it('RateLimitGuard hooks: getTracker, generateKey, shouldSkip, throwRateLimitException', async () => {
    ApiKeyGuard.refusals = [];
    expect((await get('/search', { 'x-api-key': 'k1' })).status).toBe(200);
    const refused = await get('/search', { 'x-api-key': 'k1' });
    expect(refused.status).toBe(420);
    expect(refused.body).toEqual({
      message: 'slow down',
      policy: 'search',
      retryAfter: expect.any(Number),
    });
    expect(ApiKeyGuard.refusals).toEqual([
      expect.objectContaining({
        policy: 'search',
        unavailable: false,
        refused: [expect.objectContaining({ name: 'search' })],
      }),
    ]);
    // Another API key is another counter; an internal call is not counted at all.
    expect((await get('/search', { 'x-api-key': 'k2' })).status).toBe(200);
    expect((await get('/search', { 'x-api-key': 'k1', 'x-internal': 'yes' })).status).toBe(200);
    const keys = await scanKeys(raw, `${prefix}__nestjs_store__:rl:*`);
    expect(keys.some((key) => key.includes('apikey:ReportsController.search:k1'))).toBe(true);
    expect(keys.some((key) => key.includes('apikey:ReportsController.search:k2'))).toBe(true);
  });
});
