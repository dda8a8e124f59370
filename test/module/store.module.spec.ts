import 'reflect-metadata';
import { Inject, Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import {
  StoreConfigurationError,
  StoreModule,
  StoreService,
  type StoreModuleOptions,
} from '../../lib/index.js';
import { harnessInfo } from '../support/harness-info.js';
import { testKeyPrefix } from '../support/key-prefix.js';

const CONFIG = Symbol('CONFIG');

/** Prefixes of the stores below that use the standalone server: under the run's prefix (see key-prefix.ts). */
const CFG_PREFIX = testKeyPrefix('cfg');
const SHUTDOWN_PREFIX = testKeyPrefix('shutdown');
const ADOPTED_PREFIX = testKeyPrefix('adopted');
const SCOPED_PREFIX = testKeyPrefix('scoped');

/** Stands in for an app's config module: something forRootAsync imports and injects. */
@Module({ providers: [{ provide: CONFIG, useValue: { prefix: CFG_PREFIX } }], exports: [CONFIG] })
class ConfigModule {}

@Injectable()
class StoreOptionsFactory {
  createStoreOptions(): StoreModuleOptions {
    return { driver: 'memory', keyPrefix: 'from-class:' };
  }
}

@Module({ providers: [StoreOptionsFactory], exports: [StoreOptionsFactory] })
class OptionsFactoryModule {}

/** A feature provider that only asks for StoreService. */
@Injectable()
class UsersCache {
  constructor(@Inject(StoreService) readonly store: StoreService) {}
}

async function boot(module: unknown): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(module as never, {
    logger: false,
    abortOnError: false,
  });
}

describe('StoreModule', () => {
  const apps: INestApplicationContext[] = [];
  const open = async (module: unknown) => {
    const app = await boot(module);
    apps.push(app);
    return app;
  };
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('forRoot provides StoreService to the importing module', async () => {
    @Module({ imports: [StoreModule.forRoot({ driver: 'memory' })], providers: [UsersCache] })
    class AppModule {}
    const app = await open(AppModule);
    const { store } = app.get(UsersCache);
    await store.set('k', 'v');
    expect(await store.get('k')).toBe('v');
    expect(store).toBe(app.get(StoreService));
  });

  it('forRootAsync with useFactory, imports and inject', async () => {
    @Module({
      imports: [
        StoreModule.forRootAsync({
          imports: [ConfigModule],
          inject: [CONFIG],
          useFactory: async (config: { prefix: string }) => ({
            redis: harnessInfo().standaloneUrl,
            keyPrefix: config.prefix,
          }),
        }),
      ],
    })
    class AppModule {}
    const app = await open(AppModule);
    const store = app.get(StoreService);
    await store.set('async-factory', 1);
    expect(await store.client.get(`${CFG_PREFIX}async-factory`)).toBe('1');
    await store.delete('async-factory');
  });

  it('forRootAsync with useClass', async () => {
    @Module({ imports: [StoreModule.forRootAsync({ useClass: StoreOptionsFactory })] })
    class AppModule {}
    const store = (await open(AppModule)).get(StoreService);
    expect(store.driverKind).toBe('memory');
  });

  it('forRootAsync with useExisting', async () => {
    @Module({
      imports: [
        StoreModule.forRootAsync({
          imports: [OptionsFactoryModule],
          useExisting: StoreOptionsFactory,
        }),
      ],
    })
    class AppModule {}
    const store = (await open(AppModule)).get(StoreService);
    await store.set('existing', true);
    expect(await store.get('existing')).toBe(true);
  });

  it('isGlobal makes StoreService injectable in modules that do not import StoreModule', async () => {
    @Module({ providers: [UsersCache], exports: [UsersCache] })
    class FeatureModule {}
    @Module({ imports: [StoreModule.forRoot({ driver: 'memory', isGlobal: true }), FeatureModule] })
    class AppModule {}
    const app = await open(AppModule);
    expect(app.get(UsersCache).store).toBeInstanceOf(StoreService);
  });

  it('works with @nestjs/testing', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [StoreModule.forRoot({ driver: 'memory' })],
    }).compile();
    const store = moduleRef.get(StoreService);
    expect(await store.increment('n')).toBe(1);
    await moduleRef.close();
  });

  describe('configuration errors fail the bootstrap with a message that says what to set', () => {
    it.each<[string, StoreModuleOptions, RegExp]>([
      ['no redis and no driver', {}, /set options\.redis .*driver: 'memory'/],
      ['both redis and memory', { driver: 'memory', redis: 'redis://localhost' }, /contradict/],
      ['an unknown driver', { driver: 'mongo' as never }, /options\.driver/],
      ['a hash tag in keyPrefix', { driver: 'memory', keyPrefix: '{app}:' }, /keyPrefix/],
      ['a glob in keyPrefix', { driver: 'memory', keyPrefix: 'app*' }, /keyPrefix/],
      [
        'an invalid defaultTtl',
        { driver: 'memory', defaultTtl: '5 minutes' as never },
        /defaultTtl/,
      ],
      ['a zero maxValueSize', { driver: 'memory', maxValueSize: 0 }, /maxValueSize/],
      ['an ioredis keyPrefix', { redis: { keyPrefix: 'x:' } }, /StoreModuleOptions\.keyPrefix/],
      ['an empty cluster', { redis: { cluster: { nodes: [] } } }, /at least one node/],
      ['a client that is not ioredis', { redis: { client: {} as never } }, /ioredis/],
      [
        'pubsub that is not an object',
        { driver: 'memory', pubsub: true as never },
        /options\.pubsub/,
      ],
      [
        'a non-boolean pubsub.sharded',
        { driver: 'memory', pubsub: { sharded: 'yes' as never } },
        /pubsub\.sharded/,
      ],
      [
        'a negative pubsub.lingerMs',
        { driver: 'memory', pubsub: { lingerMs: -1 } },
        /pubsub\.lingerMs/,
      ],
      ['a malformed URL', { redis: 'notaurl' }, /options\.redis "notaurl" is not a Redis URL/],
      [
        'a URL of another scheme',
        { redis: 'http://localhost:6379' },
        /options\.redis .* is not a Redis URL/,
      ],
      [
        'a misspelt option',
        { driver: 'memory', keyprefix: 'app:' } as never,
        /options\.keyprefix is not an option: did you mean options\.keyPrefix\?/,
      ],
      [
        'an unknown option',
        { driver: 'memory', colour: 'blue' } as never,
        /options\.colour is not an option; the options are redis, driver/,
      ],
      [
        'a misspelt nested option',
        { driver: 'memory', l1: { maxEntry: 5 } } as never,
        /options\.l1\.maxEntry is not an option: did you mean options\.l1\.maxEntries\?/,
      ],
      [
        'an invalid rateLimit.defaults policy',
        { driver: 'memory', rateLimit: { defaults: { limit: 0, window: 60 } } },
        /options\.rateLimit\.defaults limit 0/,
      ],
      [
        'an invalid TTL read from configuration as a string',
        { driver: 'memory', defaultTtl: String('5 minutes') },
        /options\.defaultTtl/,
      ],
    ])('%s', async (_label, options, message) => {
      @Module({ imports: [StoreModule.forRoot(options)] })
      class AppModule {}
      const error = await boot(AppModule).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreConfigurationError);
      expect((error as Error).message).toMatch(message);
    });
  });

  describe('shutdown', () => {
    it('quits the clients it created, after in-flight commands finish', async () => {
      @Module({
        imports: [
          StoreModule.forRoot({ redis: harnessInfo().standaloneUrl, keyPrefix: SHUTDOWN_PREFIX }),
        ],
      })
      class AppModule {}
      const app = await boot(AppModule);
      const store = app.get(StoreService);
      await store.subscribe('c', () => undefined);
      const inFlight = Array.from({ length: 50 }, (_, i) => store.set(`inflight:${i}`, i));
      await app.close();
      await expect(Promise.all(inFlight)).resolves.toHaveLength(50);
      expect(store.client.status).toBe('end');
      const check = new Redis(harnessInfo().standaloneUrl);
      expect(await check.get(`${SHUTDOWN_PREFIX}inflight:49`)).toBe('49');
      await check.del(...Array.from({ length: 50 }, (_, i) => `${SHUTDOWN_PREFIX}inflight:${i}`));
      await check.quit();
    });

    it('never closes a client passed in with { client }', async () => {
      const client = new Redis(harnessInfo().standaloneUrl);
      @Module({ imports: [StoreModule.forRoot({ redis: { client }, keyPrefix: ADOPTED_PREFIX })] })
      class AppModule {}
      const app = await boot(AppModule);
      const store = app.get(StoreService);
      expect(store.client).toBe(client);
      await store.set('k', 1);
      await app.close();
      expect(client.status).toBe('ready');
      expect(await client.get(`${ADOPTED_PREFIX}k`)).toBe('1');
      await client.del(`${ADOPTED_PREFIX}k`);
      await client.quit();
    });
  });

  it('applies keyPrefix to keys, tags and channels alike', async () => {
    @Module({
      imports: [
        StoreModule.forRoot({ redis: harnessInfo().standaloneUrl, keyPrefix: SCOPED_PREFIX }),
      ],
    })
    class AppModule {}
    const store = (await open(AppModule)).get(StoreService);
    await store.set('item', 1, { tags: ['group'] });
    await store.increment('count');
    const off = await store.subscribe('events', () => undefined);
    const probe = new Redis(harnessInfo().standaloneUrl);
    // A whole SCAN (not one page): a long-lived REDIS_URL server may hold many other keys.
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, page] = await probe.scan(cursor, 'MATCH', `${SCOPED_PREFIX}*`, 'COUNT', 1000);
      keys.push(...page);
      cursor = next;
    } while (cursor !== '0');
    expect(keys.sort()).toEqual([
      `${SCOPED_PREFIX}__nestjs_store__:t:group`,
      `${SCOPED_PREFIX}count`,
      `${SCOPED_PREFIX}item`,
    ]);
    expect(await probe.pubsub('CHANNELS', `${SCOPED_PREFIX}*`)).toEqual([`${SCOPED_PREFIX}events`]);
    await off();
    await probe.del(...keys);
    await probe.quit();
  });
});
