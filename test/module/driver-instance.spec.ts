/**
 * `StoreModule.forRoot({ driver: instance })`: a driver object the caller built. The app runs on it
 * (StoreService, an HTTP `@Cacheable` route), the store owns it (closes it with the app), and an
 * object that is not a StoreDriver is refused at bootstrap with a StoreConfigurationError.
 */
import 'reflect-metadata';
import {
  Controller,
  Get,
  Injectable,
  Logger,
  Module,
  Param,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import {
  Cacheable,
  OnChannel,
  RateLimiterService,
  StoreConfigurationError,
  StoreUnsupportedError,
  StoreModule,
  StoreService,
  type RawValue,
  type StoreDriver,
  type StoreModuleOptions,
} from '../../lib/index.js';
import { MemoryDriver } from '../../lib/testing/index.js';
import { harnessInfo } from '../support/harness-info.js';
import { CoreOnlyDriver } from '../contract/wrapping-drivers.js';

/** The memory driver, counting what the store asks of it: stands in for a driver a third party wrote. */
class CountingDriver extends MemoryDriver {
  readonly calls = new Map<string, number>();

  constructor() {
    super(1_000, new Logger('CountingDriver'));
  }

  count(method: string): number {
    return this.calls.get(method) ?? 0;
  }

  override read<R>(key: string, decode: (raw: RawValue) => R | PromiseLike<R>): Promise<R> {
    this.record('read');
    return super.read(key, decode);
  }

  override setHash(key: string, fields: Record<string, string>, ttlMs?: number): Promise<void> {
    this.record('setHash');
    return super.setHash(key, fields, ttlMs);
  }

  override close(): Promise<void> {
    this.record('close');
    return super.close();
  }

  private record(method: string): void {
    this.calls.set(method, this.count(method) + 1);
  }
}

let handlerRuns = 0;

@Controller('items')
class ItemsController {
  @Get(':id')
  @Cacheable({ key: 'item:{id}', ttl: 60 })
  find(@Param('id') id: string): { id: string; run: number } {
    handlerRuns += 1;
    return { id, run: handlerRuns };
  }
}

/** `driver` as an object with every member of `source` (bound to it) except `without`, and `overrides`. */
function driverLike(
  source: StoreDriver,
  without: string[],
  overrides: Record<string, unknown> = {},
): StoreDriver {
  const copy: Record<string, unknown> = {};
  for (
    let proto: object | null = source;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const value: unknown = (source as unknown as Record<string, unknown>)[name];
      if (name !== 'constructor' && !(name in copy))
        copy[name] =
          typeof value === 'function'
            ? (value as (...args: unknown[]) => unknown).bind(source)
            : value;
    }
  }
  for (const name of without) delete copy[name];
  return Object.assign(copy, overrides) as unknown as StoreDriver;
}

async function bootstrapError(options: StoreModuleOptions): Promise<unknown> {
  @Module({ imports: [StoreModule.forRoot(options)] })
  class AppModule {}
  return NestFactory.createApplicationContext(AppModule, {
    logger: false,
    abortOnError: false,
  }).then(
    async (app) => {
      await app.close();
      return undefined;
    },
    (error: unknown) => error,
  );
}

describe('StoreModule.forRoot({ driver: instance })', () => {
  it('runs StoreService and an HTTP @Cacheable route on the instance, and closes it when the app closes', async () => {
    const driver = new CountingDriver();
    @Module({
      imports: [StoreModule.forRoot({ driver, keyPrefix: 'instance:' })],
      controllers: [ItemsController],
    })
    class AppModule {}
    const app: INestApplication = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    try {
      const store = app.get(StoreService);
      expect(store.driverKind).toBe('memory');
      await store.set('k', { n: 1 }, { tags: ['t'] });
      expect(await store.get('k')).toEqual({ n: 1 });
      expect(await driver.read('instance:k', (raw) => raw !== null)).toBe(true);

      const first = await fetch(`http://127.0.0.1:${port}/items/7`);
      const second = await fetch(`http://127.0.0.1:${port}/items/7`);
      expect(await first.json()).toEqual({ id: '7', run: 1 });
      expect(await second.json()).toEqual({ id: '7', run: 1 });
      expect(second.headers.get('x-cache')).toBe('HIT');
      expect(driver.count('setHash')).toBeGreaterThanOrEqual(2);
      expect(driver.count('close')).toBe(0);
    } finally {
      await app.close();
    }
    expect(driver.count('close')).toBe(1);
    expect(driver.connectionState()).toBe('closed');
  });

  it('works from forRootAsync in a @nestjs/testing module, which closes it', async () => {
    const driver = new CountingDriver();
    const moduleRef = await Test.createTestingModule({
      imports: [StoreModule.forRootAsync({ useFactory: () => ({ driver }) })],
    }).compile();
    await moduleRef.init();
    expect(await moduleRef.get(StoreService).increment('n', 2)).toBe(2);
    expect(await driver.get('n', (raw) => raw)).toBe('2');
    await moduleRef.close();
    expect(driver.count('close')).toBe(1);
  });

  describe('refuses at bootstrap, with a StoreConfigurationError naming options.driver', () => {
    const healthy = new MemoryDriver(10, new Logger('healthy'));
    afterAll(() => healthy.close());

    it.each<[string, () => unknown, RegExp]>([
      [
        'an empty object',
        () => ({}),
        /options\.driver is not a StoreDriver: it lacks get\(\), read\(\), .*close\(\), client, kind \('redis' or 'memory'\)\. Implement the core/,
      ],
      [
        'an object missing a core method and part of a capability',
        () => driverLike(healthy, ['get', 'publish']),
        /options\.driver is not a StoreDriver: it lacks get\(\), publish\(\)\. Implement the core of StoreDriver and each capability you offer whole/,
      ],
      [
        'a driver whose streams miss a method',
        () =>
          driverLike(healthy, [], {
            streams: driverLike(healthy.streams as never, ['openReader']),
          }),
        /it lacks streams\.openReader\(\)\./,
      ],
      [
        'an unknown kind',
        () => driverLike(healthy, [], { kind: 'dynamo' }),
        /it lacks kind \('redis' or 'memory'\)\./,
      ],
      ['a Promise of a driver', () => Promise.resolve(healthy), /options\.driver is a Promise/],
      [
        'a number',
        () => 42,
        /options\.driver must be 'redis', 'memory' or a StoreDriver object, got 42/,
      ],
    ])('%s', async (_label, driver, message) => {
      const error = await bootstrapError({ driver: driver() as StoreDriver });
      expect(error).toBeInstanceOf(StoreConfigurationError);
      expect((error as Error).message).toMatch(message);
    });

    it('an instance given together with redis, leaving the instance open (it is still the caller’s)', async () => {
      const driver = new CountingDriver();
      const error = await bootstrapError({ driver, redis: harnessInfo().standaloneUrl });
      expect(error).toBeInstanceOf(StoreConfigurationError);
      expect((error as Error).message).toMatch(
        /options\.redis and a driver instance \(options\.driver\) contradict each other/,
      );
      expect(driver.count('close')).toBe(0);
      await driver.close();
    });
  });

  describe('a driver with the core only (no tags, leases, rate limits, pub/sub or streams)', () => {
    let app: INestApplication;
    let base: string;

    @Injectable()
    class Jobs {
      @Cacheable({ key: 'job:{0}', ttl: 60 })
      async load(id: string): Promise<{ id: string; at: number }> {
        return { id, at: Date.now() };
      }
    }

    beforeAll(async () => {
      @Module({
        imports: [StoreModule.forRoot({ driver: new CoreOnlyDriver(new CountingDriver()) })],
        controllers: [ItemsController],
        providers: [Jobs],
      })
      class AppModule {}
      app = await NestFactory.create(AppModule, { logger: false });
      await app.listen(0, '127.0.0.1');
      base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    });
    afterAll(() => app.close());

    it('serves values, counters, getOrSet, @Cacheable routes and methods', async () => {
      const store = app.get(StoreService);
      await store.set('k', { n: 1 });
      expect(await store.get('k')).toEqual({ n: 1 });
      expect(await store.increment('n', 3)).toBe(3);
      let loads = 0;
      const load = () => Promise.resolve(++loads);
      expect(await store.getOrSet('g', load, { ttl: 60 })).toBe(1);
      expect(await store.getOrSet('g', load, { ttl: 60 })).toBe(1);
      const first = await fetch(`${base}/items/core`);
      const second = await fetch(`${base}/items/core`);
      expect(await second.json()).toEqual(await first.json());
      expect(second.headers.get('x-cache')).toBe('HIT');
      const jobs = app.get(Jobs);
      expect(await jobs.load('a')).toEqual(await jobs.load('a'));
    });

    it.each<[string, (store: StoreService, limiter: RateLimiterService) => unknown, string]>([
      ['a tagged set', (store) => store.set('t', 1, { tags: ['x'] }), "'tags'"],
      ['invalidateTags', (store) => store.invalidateTags(['x']), "'tags'"],
      ['publish', (store) => store.publish('ch', 1), "'pubsub'"],
      ['subscribe', (store) => store.subscribe('ch', () => undefined), "'pubsub'"],
      ['stream', (store) => store.append('s', { a: 1 }), "'streams'"],
      [
        'a rate-limit check',
        (_store, limiter) => limiter.consume('caller', { limit: 1, window: '1m' }),
        "'rateLimit'",
      ],
    ])(
      'refuses %s with StoreUnsupportedError naming the capability, writing nothing',
      async (_label, call, capability) => {
        const store = app.get(StoreService);
        const limiter = app.get(RateLimiterService);
        const error: unknown = await Promise.resolve()
          .then(() => call(store, limiter))
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreUnsupportedError);
        expect((error as Error).message).toContain(
          `the ${capability} capability, which the driver CoreOnlyDriver does not have`,
        );
        expect(await store.get('t')).toBeNull();
      },
    );

    it('fails the bootstrap of an app with an @OnChannel listener, naming the capability', async () => {
      @Injectable()
      class Listener {
        @OnChannel('orders')
        onOrder(): void {}
      }
      @Module({
        imports: [StoreModule.forRoot({ driver: new CoreOnlyDriver(new CountingDriver()) })],
        providers: [Listener],
      })
      class ListenerModule {}
      const error: unknown = await NestFactory.createApplicationContext(ListenerModule, {
        logger: false,
        abortOnError: false,
      }).then(
        (started) => started.close(),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StoreUnsupportedError);
      expect((error as Error).message).toContain("needs the 'pubsub' capability");
    });

    it('refuses l1 at bootstrap (L1 needs pub/sub to stay coherent)', async () => {
      const error = await bootstrapError({
        driver: new CoreOnlyDriver(new CountingDriver()),
        l1: { maxEntries: 10 },
      });
      expect(error).toBeInstanceOf(StoreConfigurationError);
      expect((error as Error).message).toMatch(
        /options\.l1 needs a driver with the 'pubsub' capability/,
      );
    });
  });

  it('a core driver of kind redis loads each missing entry once per instance without leases', async () => {
    const driver = Object.assign(new CoreOnlyDriver(new CountingDriver()), {
      kind: 'redis' as const,
    });
    const app = await NestFactory.createApplicationContext(StoreModule.forRoot({ driver }), {
      logger: false,
    });
    try {
      const store = app.get(StoreService);
      let loads = 0;
      const load = async () => {
        loads += 1;
        await new Promise((resolve) => setImmediate(resolve));
        return loads;
      };
      const values = await Promise.all(
        [1, 2, 3].map(() => store.getOrSet('once', load, { ttl: 60 })),
      );
      expect(values).toEqual([1, 1, 1]);
      expect(loads).toBe(1);
    } finally {
      await app.close();
    }
  });
});
