/**
 * StoreModule as Nest users expect it: `forRoot` once, `forFeature({ namespace? })` (or plain
 * `imports: [StoreModule]`) in feature modules, no `isGlobal`; decorators, guard and `@OnChannel`
 * working in those modules, in their namespace. Real apps over HTTP on Express and Fastify, with a
 * raw Redis client checking where every entry lands.
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
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import {
  CacheEvict,
  Cacheable,
  OnChannel,
  RateLimit,
  RateLimitGuard,
  RateLimiterService,
  StoreConfigurationError,
  StoreModule,
  StoreService,
  StoreValidationError,
} from '../../lib/index.js';
import { PLATFORMS } from '../cache/cache-app.js';
import { scanKeys } from '../contract/foreign-client.js';
import { waitFor } from '../contract/store-fixture.js';
import { harnessInfo } from '../support/harness-info.js';
import { listenHttp } from '../support/http-app.js';
import { testKeyPrefix } from '../support/key-prefix.js';

let calls = 0;
const received: Array<{ where: string; message: unknown; channel: string }> = [];

@Controller('billing')
class BillingController {
  constructor(@Inject(StoreService) private readonly store: StoreService) {}

  @Get('invoice/:id')
  @Cacheable({ key: 'invoice:{id}', ttl: '1m', tags: ['invoices'] })
  invoice(@Param('id') id: string) {
    return { id, call: ++calls };
  }

  @Post('invoice/:id')
  @CacheEvict({ keys: ['invoice:{id}'] })
  touch(@Param('id') id: string) {
    return { touched: id };
  }

  @Get('limited')
  @RateLimit({ limit: 1, window: '1m' })
  limited() {
    return { ok: true };
  }

  @Get('key/:name')
  redisKey(@Param('name') name: string) {
    return { key: this.store.redisKey(name) };
  }
}

@Injectable()
class BillingEvents {
  constructor(@Inject(StoreService) readonly store: StoreService) {}

  @OnChannel('invoices')
  onInvoice(message: unknown, channel: string) {
    received.push({ where: 'billing', message, channel });
  }

  @Cacheable({ key: 'total:{0}', ttl: '1m' })
  async total(customer: string) {
    return { customer, call: ++calls };
  }
}

/** A feature module in the namespace `billing`. */
@Module({
  imports: [StoreModule.forFeature({ namespace: 'billing' })],
  controllers: [BillingController],
  providers: [BillingEvents],
})
class BillingModule {}

@Controller('users')
class UsersController {
  constructor(
    @Inject(StoreService) readonly store: StoreService,
    @Inject(RateLimiterService) readonly limiter: RateLimiterService,
  ) {}

  @Get(':id')
  @Cacheable({ key: 'user:{id}', ttl: '1m' })
  user(@Param('id') id: string) {
    return { id, call: ++calls };
  }
}

@Injectable()
class UsersEvents {
  @OnChannel('users')
  onUser(message: unknown, channel: string) {
    received.push({ where: 'users', message, channel });
  }
}

/** A feature module given the root store with `forFeature()`. */
@Module({
  imports: [StoreModule.forFeature()],
  controllers: [UsersController],
  providers: [UsersEvents],
})
class UsersModule {}

@Controller('plain')
class PlainController {
  constructor(@Inject(StoreService) readonly store: StoreService) {}

  @Get(':id')
  @Cacheable({ key: 'plain:{id}', ttl: '1m' })
  plain(@Param('id') id: string) {
    return { id, call: ++calls };
  }
}

/** A feature module that imports the bare `StoreModule`, as earlier READMEs advised: the same as `forFeature()`. */
@Module({ imports: [StoreModule], controllers: [PlainController] })
class PlainModule {}

async function getJson(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: Record<string, unknown>; cache: string | null }> {
  const response = await fetch(url, init);
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    cache: response.headers.get('x-cache'),
  };
}

describe.each(PLATFORMS)('feature modules without isGlobal (%s)', (platform) => {
  const prefix = testKeyPrefix(`feature-${platform}`);
  let app: INestApplication;
  let url: string;
  let raw: Redis;

  beforeAll(async () => {
    @Module({
      imports: [
        StoreModule.forRoot({ redis: harnessInfo().standaloneUrl, keyPrefix: prefix }),
        BillingModule,
        UsersModule,
        PlainModule,
      ],
    })
    class AppModule {}
    ({ app, url } = await listenHttp(AppModule, platform));
    raw = new Redis(harnessInfo().standaloneUrl);
  });
  afterAll(async () => {
    await app.close();
    raw.disconnect();
  });
  beforeEach(() => {
    received.length = 0;
  });

  it('gives a forFeature() module the root store, and its @Cacheable handlers cache there', async () => {
    const first = await getJson(`${url}/users/7`);
    const second = await getJson(`${url}/users/7`);
    expect([first.cache, second.cache]).toEqual(['MISS', 'HIT']);
    expect(second.body).toEqual(first.body);
    expect(await raw.exists(`${prefix}cache:user:7`)).toBe(1);
    const users = app.get(UsersController);
    expect(users.store.redisKey('a')).toBe(`${prefix}a`);
    expect(users.limiter).toBeInstanceOf(RateLimiterService);
  });

  it('gives a module importing the bare StoreModule the root store', async () => {
    const first = await getJson(`${url}/plain/1`);
    const second = await getJson(`${url}/plain/1`);
    expect([first.cache, second.cache]).toEqual(['MISS', 'HIT']);
    expect(await raw.exists(`${prefix}cache:plain:1`)).toBe(1);
  });

  it("gives a forFeature({ namespace }) module the namespace: its StoreService, @Cacheable and @CacheEvict live under 'billing:'", async () => {
    const key = await getJson(`${url}/billing/key/x`);
    expect(key.body).toEqual({ key: `${prefix}billing:x` });
    const first = await getJson(`${url}/billing/invoice/9`);
    const second = await getJson(`${url}/billing/invoice/9`);
    expect([first.cache, second.cache]).toEqual(['MISS', 'HIT']);
    expect(await raw.type(`${prefix}billing:cache:invoice:9`)).toBe('hash');
    expect(await raw.exists(`${prefix}cache:invoice:9`)).toBe(0);
    await fetch(`${url}/billing/invoice/9`, { method: 'POST' });
    expect(await raw.exists(`${prefix}billing:cache:invoice:9`)).toBe(0);
    expect((await getJson(`${url}/billing/invoice/9`)).cache).toBe('MISS');
  });

  it('caches provider methods of a namespaced module in the namespace', async () => {
    const events = app.get(BillingEvents);
    const first = await events.total('acme');
    expect(await events.total('acme')).toEqual(first);
    expect(await raw.type(`${prefix}billing:cache:total:acme`)).toBe('hash');
  });

  it("subscribes @OnChannel listeners of a namespaced module to the namespace's channel, others to the root's", async () => {
    await raw.publish(`${prefix}billing:invoices`, JSON.stringify({ n: 1 }));
    await raw.publish(`${prefix}users`, JSON.stringify({ n: 2 }));
    await raw.publish(`${prefix}invoices`, JSON.stringify({ n: 3 })); // the root's channel: nobody listens
    await waitFor(() => received.length >= 2, 5_000, 'both listeners');
    // A marker published after the others arrives after them: the root-channel message was not delivered.
    await raw.publish(`${prefix}users`, JSON.stringify({ n: 4 }));
    await waitFor(() => received.length >= 3, 5_000, 'the marker');
    expect(received).toEqual(
      expect.arrayContaining([
        { where: 'billing', message: { n: 1 }, channel: 'invoices' },
        { where: 'users', message: { n: 2 }, channel: 'users' },
        { where: 'users', message: { n: 4 }, channel: 'users' },
      ]),
    );
    expect(received).toHaveLength(3);
  });

  it('runs the rate-limit guard of a feature module', async () => {
    expect((await fetch(`${url}/billing/limited`)).status).toBe(200);
    expect((await fetch(`${url}/billing/limited`)).status).toBe(429);
    expect(await scanKeys(raw, `${prefix}__nestjs_store__:rl:*`)).not.toEqual([]);
  });
});

@Injectable()
class GlobalReader {
  constructor(@Inject(StoreService) readonly store: StoreService) {}
}

/** Imports nothing: sees the global store. */
@Module({ providers: [GlobalReader], exports: [GlobalReader] })
class GlobalReaderModule {}

describe('forFeature({ namespace }) next to a global store', () => {
  it('gives the feature module its namespace, and other modules the global root store', async () => {
    const prefix = testKeyPrefix('feature-global');
    @Module({
      imports: [
        StoreModule.forRoot({
          redis: harnessInfo().standaloneUrl,
          keyPrefix: prefix,
          isGlobal: true,
        }),
        BillingModule,
        GlobalReaderModule,
      ],
    })
    class AppModule {}
    const { app, url } = await listenHttp(AppModule);
    const raw = new Redis(harnessInfo().standaloneUrl);
    try {
      expect(app.get(GlobalReader).store.redisKey('x')).toBe(`${prefix}x`);
      expect(app.get(BillingEvents).store.redisKey('x')).toBe(`${prefix}billing:x`);
      expect((await getJson(`${url}/billing/invoice/5`)).cache).toBe('MISS');
      expect((await getJson(`${url}/billing/invoice/5`)).cache).toBe('HIT');
      expect(await raw.type(`${prefix}billing:cache:invoice:5`)).toBe('hash');
    } finally {
      await app.close();
      raw.disconnect();
    }
  });
});

describe('forFeature and forRoot configuration errors', () => {
  const open: INestApplication[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((app) => app.close()));
  });

  async function bootFails(imports: unknown[]): Promise<unknown> {
    @Module({ imports: imports as never })
    class AppModule {}
    try {
      open.push(await NestFactory.create(AppModule, { logger: false, abortOnError: false }));
    } catch (error) {
      return error;
    }
    throw new Error('expected the app not to boot');
  }

  it('refuses a namespace the store refuses, at bootstrap', async () => {
    const error = await bootFails([
      StoreModule.forRoot({ driver: 'memory' }),
      StoreModule.forFeature({ namespace: '__nestjs_store__' }),
    ]);
    expect(error).toBeInstanceOf(StoreConfigurationError);
    expect((error as Error).message).toMatch(/forFeature.*__nestjs_store__/);
  });

  it('refuses a store registered twice (forRoot in a feature module), before connecting', async () => {
    @Module({ imports: [StoreModule.forRoot({ redis: 'redis://127.0.0.1:1' })] })
    class FeatureWithItsOwnForRoot {}
    const error = await bootFails([
      StoreModule.forRoot({ redis: 'redis://127.0.0.1:1' }),
      FeatureWithItsOwnForRoot,
    ]);
    expect(error).toBeInstanceOf(StoreConfigurationError);
    expect((error as Error).message).toMatch(/the default store is registered 2 times.*forFeature/);
    const named = await bootFails([
      StoreModule.forRoot({ driver: 'memory', name: 's' }),
      StoreModule.forRootAsync({ name: 's', useFactory: () => ({ driver: 'memory' as const }) }),
    ]);
    expect((named as Error).message).toMatch(/the store "s" is registered 2 times/);
  });

  it('refuses unknown forFeature options and bad store names when the module is defined', () => {
    expect(() => StoreModule.forFeature({ nmespace: 'x' } as never)).toThrow(
      /forFeature options\.nmespace is not an option: did you mean .*namespace/,
    );
    expect(() => StoreModule.forFeature({ store: '' })).toThrow(StoreConfigurationError);
    expect(() => StoreModule.forRoot({ driver: 'memory', name: 5 as never })).toThrow(
      StoreConfigurationError,
    );
    expect(() =>
      StoreModule.forRootAsync({
        useFactory: () => ({ driver: 'memory' as const }),
        useClass: class {} as never,
      }),
    ).toThrow(/exactly one of useFactory, useClass or useExisting/);
    expect(() =>
      StoreModule.forRootAsync({
        useFactory: () => ({ driver: 'memory' as const }),
        injcet: [],
      } as never),
    ).toThrow(/forRootAsync options\.injcet is not an option: did you mean .*inject/);
    expect(() => StoreModule.forRoot({ driver: 'memory', isGlobal: 'yes' as never })).toThrow(
      /options\.isGlobal/,
    );
  });

  it('refuses a decorator store name that is not a string when the class is defined', () => {
    expect(() => Cacheable({ store: 5 as never })).toThrow(StoreValidationError);
    expect(() => RateLimit({ limit: 1, window: '1s', store: '' })).toThrow(StoreValidationError);
    expect(() => OnChannel('x', { store: 7 as never })).toThrow(StoreValidationError);
  });

  it('refuses rateLimit defaults that name another store', async () => {
    @Module({
      imports: [
        StoreModule.forRoot({
          driver: 'memory',
          rateLimit: { defaults: { limit: 1, window: '1s', store: 'other' } },
        }),
      ],
      providers: [{ provide: APP_GUARD, useExisting: RateLimitGuard }],
    })
    class AppModule {}
    await expect(
      NestFactory.create(AppModule, { logger: false, abortOnError: false }),
    ).rejects.toThrow(/defaults store "other"/);
  });
});
