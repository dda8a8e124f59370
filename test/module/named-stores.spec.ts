/**
 * Named stores: `forRoot({ name })` next to the default store, each with its own connection and
 * options — here the default store on memory, `sessions` on the standalone server and `events` on
 * the Cluster — injected with `@InjectStore(name)`, used by decorators, the guard and `@OnChannel`
 * through `store: name`, in the root module and in feature modules (with and without a namespace).
 * Raw clients of each server check where every entry lands.
 */
import 'reflect-metadata';
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  Param,
  Post,
  type INestApplication,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Cluster, Redis } from 'ioredis';
import {
  CacheEvict,
  Cacheable,
  getRateLimiterToken,
  getStoreToken,
  InjectStore,
  OnChannel,
  RateLimit,
  RateLimitGuard,
  RateLimiterService,
  StoreModule,
  StoreService,
} from '../../lib/index.js';
import { PLATFORMS } from '../cache/cache-app.js';
import { scanKeys } from '../contract/foreign-client.js';
import { waitFor } from '../contract/store-fixture.js';
import { clusterNodes, harnessInfo } from '../support/harness-info.js';
import { listenHttp } from '../support/http-app.js';
import { testKeyPrefix } from '../support/key-prefix.js';

let calls = 0;
const received: Array<{ store: string; message: unknown }> = [];

@Controller('s')
class SessionsController {
  constructor(
    @InjectStore('sessions') readonly sessions: StoreService,
    @InjectStore('events') readonly events: StoreService,
    @Inject(StoreService) readonly main: StoreService,
  ) {}

  @Get('session/:id')
  @Cacheable({ key: 'session:{id}', ttl: '1m', store: 'sessions' })
  session(@Param('id') id: string) {
    return { id, call: ++calls };
  }

  @Post('session/:id')
  @CacheEvict({ keys: ['session:{id}'], store: 'sessions' })
  logout(@Param('id') id: string) {
    return { out: id };
  }

  @Get('feed/:id')
  @Cacheable({ key: 'feed:{id}', ttl: '1m', store: 'events' })
  feed(@Param('id') id: string) {
    return { id, call: ++calls };
  }

  @Get('main/:id')
  @Cacheable({ key: 'main:{id}', ttl: '1m' })
  mainRoute(@Param('id') id: string) {
    return { id, call: ++calls };
  }

  @Get('login')
  @RateLimit([
    { name: 'per-session-store', limit: 2, window: '1m', store: 'sessions' },
    { name: 'per-events-store', limit: 1, window: '1m', store: 'events' },
  ])
  login() {
    return { ok: true };
  }
}

@Injectable()
class Listeners {
  @OnChannel('logins', { store: 'sessions' })
  onSessions(message: unknown) {
    received.push({ store: 'sessions', message });
  }

  @OnChannel('logins', { store: 'events' })
  onEvents(message: unknown) {
    received.push({ store: 'events', message });
  }

  @OnChannel('logins')
  onMain(message: unknown) {
    received.push({ store: 'default', message });
  }
}

@Injectable()
class AuditTrail {
  constructor(@InjectStore('sessions') readonly sessions: StoreService) {}

  @Cacheable({ key: 'audit:{0}', ttl: '1m', store: 'sessions' })
  async lookup(user: string) {
    return { user, call: ++calls };
  }
}

/** A feature module with the `sessions` store's namespace `audit`. */
@Module({
  imports: [StoreModule.forFeature({ store: 'sessions', namespace: 'audit' })],
  providers: [AuditTrail],
  exports: [AuditTrail],
})
class AuditModule {}

@Injectable()
class GlobalReader {
  constructor(
    @InjectStore('events') readonly events: StoreService,
    @Inject(getRateLimiterToken('events')) readonly limiter: RateLimiterService,
  ) {}
}

/** Needs nothing imported: `events` is registered with `isGlobal`. */
@Module({ providers: [GlobalReader], exports: [GlobalReader] })
class ReaderModule {}

async function getJson(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: unknown; cache: string | null }> {
  const response = await fetch(url, init);
  return {
    status: response.status,
    body: await response.json(),
    cache: response.headers.get('x-cache'),
  };
}

describe.each(PLATFORMS)('named stores on different Redis servers (%s)', (platform) => {
  const sessionsPrefix = testKeyPrefix(`sessions-${platform}`);
  const eventsPrefix = testKeyPrefix(`events-${platform}`);
  let app: INestApplication;
  let url: string;
  let standalone: Redis;
  let cluster: Cluster;

  beforeAll(async () => {
    @Module({
      imports: [
        StoreModule.forRoot({ driver: 'memory', keyPrefix: 'main:' }),
        StoreModule.forRoot({
          name: 'sessions',
          redis: harnessInfo().standaloneUrl,
          keyPrefix: sessionsPrefix,
          rateLimit: { headers: false },
        }),
        StoreModule.forRootAsync({
          name: 'events',
          isGlobal: true,
          useFactory: async () => ({
            redis: { cluster: { nodes: clusterNodes() } },
            keyPrefix: eventsPrefix,
          }),
        }),
        AuditModule,
        ReaderModule,
      ],
      controllers: [SessionsController],
      providers: [Listeners],
    })
    class AppModule {}
    ({ app, url } = await listenHttp(AppModule, platform));
    standalone = new Redis(harnessInfo().standaloneUrl);
    cluster = new Cluster(clusterNodes());
  });
  afterAll(async () => {
    await app.close();
    standalone.disconnect();
    cluster.disconnect();
  });

  it('injects each store by name, each with its own connection, and the default one as plain StoreService', async () => {
    const controller = app.get(SessionsController);
    expect(app.get(getStoreToken('events'))).toBe(controller.events);
    expect(controller.sessions.redisKey('k')).toBe(`${sessionsPrefix}k`);
    expect(controller.events.redisKey('k')).toBe(`${eventsPrefix}k`);
    expect(controller.main.redisKey('k')).toBe('main:k');
    expect(controller.sessions.client).toBeInstanceOf(Redis);
    expect(controller.events.client).toBeInstanceOf(Cluster);
    expect(() => controller.main.client).toThrow(/memory driver/);
    await controller.sessions.set('k', 'on-standalone');
    await controller.events.set('k', 'on-cluster');
    await controller.main.set('k', 'in-memory');
    expect(await standalone.get(`${sessionsPrefix}k`)).toBe('"on-standalone"');
    expect(await cluster.get(`${eventsPrefix}k`)).toBe('"on-cluster"');
    expect(await standalone.exists(`${eventsPrefix}k`)).toBe(0);
    expect(await controller.main.get('k')).toBe('in-memory');
  });

  it('caches @Cacheable({ store }) handlers in that store, and evicts there with @CacheEvict({ store })', async () => {
    const first = await getJson(`${url}/s/session/1`);
    const second = await getJson(`${url}/s/session/1`);
    expect([first.cache, second.cache]).toEqual(['MISS', 'HIT']);
    expect(second.body).toEqual(first.body);
    expect(await standalone.type(`${sessionsPrefix}cache:session:1`)).toBe('hash');
    await fetch(`${url}/s/session/1`, { method: 'POST' });
    expect(await standalone.exists(`${sessionsPrefix}cache:session:1`)).toBe(0);

    expect((await getJson(`${url}/s/feed/1`)).cache).toBe('MISS');
    expect((await getJson(`${url}/s/feed/1`)).cache).toBe('HIT');
    expect(await cluster.type(`${eventsPrefix}cache:feed:1`)).toBe('hash');

    expect((await getJson(`${url}/s/main/1`)).cache).toBe('MISS');
    expect((await getJson(`${url}/s/main/1`)).cache).toBe('HIT');
    expect(await app.get(StoreService).has('cache:main:1')).toBe(true);
    expect(await standalone.exists(`${sessionsPrefix}cache:main:1`)).toBe(0);
  });

  it('counts each @RateLimit policy in the store it names, with that store options', async () => {
    const first = await fetch(`${url}/s/login`);
    const second = await fetch(`${url}/s/login`);
    // `events` admits one call, `sessions` two: the second call is refused by the events policy,
    // whose guard sends headers (`sessions` has rateLimit.headers: false).
    expect([first.status, second.status]).toEqual([200, 429]);
    expect(second.headers.get('x-ratelimit-limit')).toBe('1');
    expect(await scanKeys(standalone, `${sessionsPrefix}__nestjs_store__:rl:*`)).not.toEqual([]);
    expect(await scanKeys(cluster, `${eventsPrefix}__nestjs_store__:rl:*`)).not.toEqual([]);
  });

  it('subscribes @OnChannel({ store }) listeners on their store', async () => {
    received.length = 0;
    await standalone.publish(`${sessionsPrefix}logins`, JSON.stringify('s'));
    await cluster.publish(`${eventsPrefix}logins`, JSON.stringify('e'));
    await app.get(StoreService).publish('logins', 'm');
    await waitFor(() => received.length >= 3, 5_000, 'three deliveries');
    expect(received).toEqual(
      expect.arrayContaining([
        { store: 'sessions', message: 's' },
        { store: 'events', message: 'e' },
        { store: 'default', message: 'm' },
      ]),
    );
    expect(received).toHaveLength(3);
  });

  it('gives a feature module the namespace of a named store with forFeature({ store, namespace })', async () => {
    const audit = app.get(AuditTrail);
    expect(audit.sessions.redisKey('x')).toBe(`${sessionsPrefix}audit:x`);
    const first = await audit.lookup('ann');
    expect(await audit.lookup('ann')).toEqual(first);
    expect(await standalone.type(`${sessionsPrefix}audit:cache:audit:ann`)).toBe('hash');
  });

  it('makes a store registered with isGlobal injectable everywhere', () => {
    const reader = app.get(GlobalReader);
    expect(reader.events.redisKey('x')).toBe(`${eventsPrefix}x`);
    expect(reader.limiter).toBeInstanceOf(RateLimiterService);
    expect(reader.limiter).not.toBe(app.get(RateLimiterService));
  });
});

describe('a named store guard as APP_GUARD', () => {
  it('applies that store defaults to every route', async () => {
    @Controller()
    class OpenController {
      @Get('open')
      open() {
        return { ok: true };
      }
    }
    const prefix = testKeyPrefix('guard-named');
    @Module({
      imports: [
        StoreModule.forRoot({ driver: 'memory' }),
        StoreModule.forRoot({
          name: 'limits',
          redis: harnessInfo().standaloneUrl,
          keyPrefix: prefix,
          rateLimit: { defaults: { limit: 1, window: '1m' } },
        }),
      ],
      controllers: [OpenController],
      providers: [{ provide: APP_GUARD, useExisting: RateLimitGuard.forStore('limits') }],
    })
    class AppModule {}
    const { app, url } = await listenHttp(AppModule, 'express');
    const raw = new Redis(harnessInfo().standaloneUrl);
    try {
      expect((await fetch(`${url}/open`)).status).toBe(200);
      expect((await fetch(`${url}/open`)).status).toBe(429);
      expect(await scanKeys(raw, `${prefix}__nestjs_store__:rl:*`)).not.toEqual([]);
      expect(RateLimitGuard.forStore('limits')).toBe(RateLimitGuard.forStore('limits'));
      expect(RateLimitGuard.forStore()).toBe(RateLimitGuard);
    } finally {
      await app.close();
      raw.disconnect();
    }
  });
});
