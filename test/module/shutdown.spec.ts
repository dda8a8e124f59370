import 'reflect-metadata';
import {
  Controller,
  Injectable,
  Module,
  Sse,
  type INestApplication,
  type INestApplicationContext,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { map, type Observable } from 'rxjs';
import {
  Cacheable,
  CacheEvict,
  StoreModule,
  StoreService,
  type StoreModuleOptions,
} from '../../lib/index.js';
import { waitFor } from '../contract/store-fixture.js';
import { harnessInfo } from '../support/harness-info.js';
import { testKeyPrefix } from '../support/key-prefix.js';
import { startStandalone, type RedisServerHandle } from '../support/redis-servers.js';

const INTERNAL = '__nestjs_store__';

/** Rejects when `promise` has not settled within `ms`, naming what hung (instead of Jest's bare timeout). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** A promise with its resolver, to hold a loader until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

@Controller('events')
class EventsController {
  constructor(private readonly store: StoreService) {}

  @Sse('news')
  news(): Observable<{ data: unknown }> {
    return this.store.channel('news').pipe(map((data) => ({ data })));
  }
}

const STORES: Array<[string, () => StoreModuleOptions]> = [
  ['memory driver', () => ({ driver: 'memory' })],
  ['Redis', () => ({ redis: harnessInfo().standaloneUrl, keyPrefix: testKeyPrefix('shutdown') })],
];

describe.each(STORES)('shutdown with an open Server-Sent Events stream (%s)', (_label, store) => {
  it.each(['express', 'fastify'] as const)(
    'app.close() ends the stream and returns (%s)',
    async (platform) => {
      @Module({ imports: [StoreModule.forRoot(store())], controllers: [EventsController] })
      class SseModule {}
      const app: INestApplication =
        platform === 'express'
          ? await NestFactory.create(SseModule, { logger: false })
          : await NestFactory.create(SseModule, new FastifyAdapter(), { logger: false });
      await app.listen(0, '127.0.0.1');
      const url = `${await app.getUrl()}/events/news`.replace('[::1]', '127.0.0.1');
      const response = await fetch(url);
      const reader = response.body!.getReader();
      const storeService = app.get(StoreService);
      // Everything the client receives, read until the server ends the response.
      let received = '';
      const decoder = new TextDecoder();
      const ended = (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          received += decoder.decode(value, { stream: true });
        }
      })();
      // Connected once a published message arrives on the stream.
      await waitFor(
        async () => {
          await storeService.publish('news', 'hello');
          return received.includes('hello');
        },
        10_000,
        'the SSE stream to deliver',
      );

      await within(app.close(), 10_000, 'app.close() with an SSE client connected');
      await within(ended, 5_000, 'the end of the SSE response');
    },
  );
});

describe('shutdown with writes under way (memory driver)', () => {
  it('lets a tagged set, an mset and a getOrSet fill finish: every caller gets its answer, none a closed-store error', async () => {
    const app = await NestFactory.createApplicationContext(
      StoreModule.forRoot({ driver: 'memory' }),
      { logger: false },
    );
    const store = app.get(StoreService);
    const closing = gate();
    const writes = [
      store.set('tagged', { v: 1 }, { tags: ['t'] }),
      store.mset([
        { key: 'a', value: 1, tags: ['t'] },
        { key: 'b', value: 2 },
      ]),
      store.getOrSet('filled', async () => {
        await closing.promise;
        return 'loaded';
      }),
    ];
    const closed = app.close();
    closing.open();
    await within(closed, 10_000, 'app.close() with writes under way');
    expect(await Promise.all(writes)).toEqual([undefined, undefined, 'loaded']);
  });
});

describe('shutdown leaves nothing behind (Redis)', () => {
  const apps: INestApplicationContext[] = [];
  const raw = () => new Redis(harnessInfo().standaloneUrl);
  async function open(
    prefix: string,
    overrides: Partial<StoreModuleOptions> = {},
  ): Promise<{ app: INestApplicationContext; store: StoreService }> {
    const app = await NestFactory.createApplicationContext(
      StoreModule.forRoot({
        redis: harnessInfo().standaloneUrl,
        keyPrefix: prefix,
        commandTimeout: 500,
        ...overrides,
      }),
      { logger: false },
    );
    apps.push(app);
    return { app, store: app.get(StoreService) };
  }
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close().catch(() => undefined)));
  });

  it('releases the load lease of a getOrSet still loading, so another instance loads at once', async () => {
    const prefix = testKeyPrefix('lease');
    const { app, store } = await open(prefix);
    const held = gate();
    const loading = store.getOrSet(
      'report',
      async () => {
        await held.promise;
        return 'late';
      },
      { ttl: 60 },
    );
    const client = raw();
    try {
      const lockKey = `${prefix}${INTERNAL}:l:report`;
      await waitFor(
        async () => (await client.exists(lockKey)) === 1,
        5_000,
        'the lease to be taken',
      );
      await within(app.close(), 10_000, 'app.close() with a load under way');
      expect(await client.exists(lockKey)).toBe(0);
      const other = await open(prefix);
      let calls = 0;
      expect(await other.store.getOrSet('report', () => `fresh-${++calls}`, { ttl: 60 })).toBe(
        'fresh-1',
      );
      held.open();
      // The first load still answers its caller, uncached (its store has closed).
      expect(await loading).toBe('late');
    } finally {
      held.open();
      client.disconnect();
    }
  });

  it('lets a tagged set and a getOrSet fill under way finish before the connection closes', async () => {
    const prefix = testKeyPrefix('inflight');
    const { app, store } = await open(prefix, { commandTimeout: 2_000 });
    const closing = gate();
    const tagged = store.set('tagged', { v: 1 }, { tags: ['t'], ttl: 60 });
    const filled = store.getOrSet(
      'filled',
      async () => {
        await closing.promise;
        return 'loaded';
      },
      { ttl: 60 },
    );
    const closed = app.close();
    closing.open();
    await within(closed, 10_000, 'app.close() with writes under way');
    await expect(tagged).resolves.toBeUndefined();
    await expect(filled).resolves.toBe('loaded');
    const client = raw();
    try {
      const entry = await client.hgetall(`${prefix}tagged`);
      expect(entry.v).toBe('{"v":1}');
      expect(entry[`t:${prefix}${INTERNAL}:t:t`]).toBe(
        await client.get(`${prefix}${INTERNAL}:t:t`),
      );
      expect(await client.hget(`${prefix}filled`, 'v')).toBe('"loaded"');
    } finally {
      client.disconnect();
    }
  });
});

@Injectable()
class Catalog {
  version = 1;

  @Cacheable({ key: 'item', ttl: 60 })
  async item(): Promise<string> {
    return `v${this.version}`;
  }

  @CacheEvict({ keys: ['item'] })
  async update(): Promise<void> {
    this.version += 1;
  }
}

describe('an eviction that failed while Redis was frozen', () => {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startStandalone();
  });
  afterAll(() => server.stop());

  it('is dropped from L1 at once and retried once Redis answers, so the old entry is not served for its TTL', async () => {
    @Module({
      imports: [StoreModule.forRoot({ redis: server.url, l1: true, commandTimeout: 300 })],
      providers: [Catalog],
    })
    class CatalogModule {}
    const app = await NestFactory.createApplicationContext(CatalogModule, { logger: false });
    const catalog = app.get(Catalog);
    const client = new Redis(server.url);
    try {
      expect(await catalog.item()).toBe('v1');
      await waitFor(
        async () => (await client.exists('cache:item')) === 1,
        5_000,
        'the entry in Redis',
      );
      expect(await catalog.item()).toBe('v1');

      process.kill(server.pid, 'SIGSTOP');
      try {
        // The eviction fails (commandTimeout), the update itself stands.
        await catalog.update();
        // Not from L1 (dropped locally at once): Redis does not answer, so the method runs.
        expect(await catalog.item()).toBe('v2');
      } finally {
        process.kill(server.pid, 'SIGCONT');
      }
      await waitFor(
        async () => (await client.exists('cache:item').catch(() => 1)) === 0,
        10_000,
        'the retried eviction to delete the entry',
      );
      expect(await catalog.item()).toBe('v2');
    } finally {
      client.disconnect();
      await app.close();
    }
  });
});
