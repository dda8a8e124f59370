/**
 * Bounded answers while Redis is away: every public path of a running app (StoreService calls,
 * RateLimiterService, HTTP routes with `@Cacheable`, `@CacheEvict` and `@RateLimit`) is timed with
 * Redis stopped, frozen (SIGSTOP) and behind a black hole (a TCP peer that accepts and never
 * answers). Store calls fail with `StoreConnectionError`, cache paths answer from their loader or
 * handler, rate limits apply their failure policy, and no call takes longer than `commandTimeout`
 * plus a margin derived from the event-loop delay measured while the calls ran. Then the app boots
 * while Redis is away, and `waitForConnection` bounds the wait at bootstrap.
 */
import 'reflect-metadata';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  Controller,
  Get,
  Injectable,
  Module,
  Param,
  Post,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  CacheEvict,
  Cacheable,
  OnChannel,
  RateLimit,
  RateLimiterService,
  StoreConnectionError,
  StoreModule,
  StoreService,
  type StoreModuleOptions,
} from '../../lib/index.js';
import { BlackHole } from '../support/black-hole.js';
import { listenHttp, PLATFORMS, type Platform } from '../support/http-app.js';
import { testKeyPrefix } from '../support/key-prefix.js';
import { redisCommand, startStandalone, type RedisServerHandle } from '../support/redis-servers.js';
import { waitFor } from '../support/timing.js';

const COMMAND_TIMEOUT_MS = 1_000;
/** Scheduling slack on top of the measured event-loop delay: timers and sockets of a busy machine. */
const BASE_MARGIN_MS = 300;

@Controller()
class ItemsController {
  @Get('cached/:id')
  @Cacheable({ key: 'item:{id}', ttl: 60 })
  cached(@Param('id') id: string): { id: string } {
    return { id };
  }

  @Post('evict/:id')
  @CacheEvict({ keys: ['item:{id}'] })
  evict(@Param('id') id: string): { evicted: string } {
    return { evicted: id };
  }

  @Get('limited')
  @RateLimit({ limit: 1_000, window: '1m' })
  limited(): { ok: true } {
    return { ok: true };
  }
}

/** What a path must do while Redis is away. */
type Expected = 'answer' | 'StoreConnectionError';

interface PublicPath {
  name: string;
  expected: Expected;
  call(): Promise<unknown>;
}

interface Outcome {
  name: string;
  ms: number;
  expected: Expected;
  got: string;
}

/** Every public path of the app; HTTP paths answer when their status is below 500. */
function publicPaths(app: INestApplication, url: string): PublicPath[] {
  const store = app.get(StoreService);
  const limiter = app.get(RateLimiterService);
  const failing = (name: string, call: () => Promise<unknown>): PublicPath => ({
    name,
    expected: 'StoreConnectionError',
    call,
  });
  const answering = (name: string, call: () => Promise<unknown>): PublicPath => ({
    name,
    expected: 'answer',
    call,
  });
  const http = async (method: string, path: string) => {
    const response = await fetch(url + path, { method });
    await response.arrayBuffer();
    if (response.status >= 500) throw new Error(`HTTP ${response.status}`);
    return response.status;
  };
  return [
    failing('get', () => store.get('k')),
    failing('set', () => store.set('k', 1)),
    failing('has', () => store.has('k')),
    failing('increment', () => store.increment('n')),
    failing('mget', () => store.mget(['a', 'b'])),
    failing('mset', () => store.mset([{ key: 'a', value: 1 }])),
    failing('delete', () => store.delete('k')),
    failing('expire', () => store.expire('k', 60)),
    failing('ttl', () => store.ttl('k')),
    failing('invalidateTags', () => store.invalidateTags(['t'])),
    failing('deleteByPattern', () => store.deleteByPattern('x:*')),
    failing('publish', () => store.publish('news', 'x')),
    failing('subscribe', () => store.subscribe('other', () => undefined)),
    failing('append', () => store.append('events', { n: 1 })),
    answering('getOrSet', () => store.getOrSet('g', () => 'loaded', { ttl: 60 })),
    answering('getOrSetWithStatus', () => store.getOrSetWithStatus('g', () => 'loaded')),
    answering('consume', () => limiter.consume('caller', { limit: 5, window: '1m' })),
    answering('GET @Cacheable', () => http('GET', '/cached/1')),
    answering('POST @CacheEvict', () => http('POST', '/evict/1')),
    answering('GET @RateLimit', () => http('GET', '/limited')),
  ];
}

/** Runs every path at once, timing each, and the event loop's worst delay meanwhile. */
async function measure(paths: PublicPath[]): Promise<{ outcomes: Outcome[]; lagMs: number }> {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const outcomes = await Promise.all(
    paths.map(async ({ name, expected, call }): Promise<Outcome> => {
      const started = performance.now();
      const got = await call().then(
        () => 'answer',
        (error: unknown) =>
          error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error),
      );
      return { name, expected, got, ms: performance.now() - started };
    }),
  );
  lag.disable();
  return { outcomes, lagMs: lag.max / 1e6 };
}

/** Checks one round: each path did what it must, within `commandTimeout` plus the margin. */
function expectBounded(fault: string, round: { outcomes: Outcome[]; lagMs: number }): void {
  const bound = COMMAND_TIMEOUT_MS + BASE_MARGIN_MS + round.lagMs;
  const slowest = [...round.outcomes].sort((a, b) => b.ms - a.ms)[0]!;
  process.stdout.write(
    `${fault}: slowest ${slowest.name} ${slowest.ms.toFixed(0)} ms ` +
      `(bound ${bound.toFixed(0)} ms, event-loop delay ${round.lagMs.toFixed(0)} ms)\n`,
  );
  const wrong = round.outcomes.filter(
    ({ expected, got, ms }) => !got.startsWith(expected) || ms > bound,
  );
  expect(wrong).toEqual([]);
}

/**
 * Runs the paths right away, then again after each of the client's next two reconnect attempts, so
 * the rounds meet the connection in other phases (dropped, between attempts, attempting).
 */
async function expectBoundedWhile(fault: string, app: INestApplication, url: string) {
  const paths = publicPaths(app, url);
  const client = app.get(StoreService).client;
  for (const round of [1, 2, 3]) {
    const attempt = nextReconnectAttempt(client);
    expectBounded(`${fault}, round ${round}`, await measure(paths));
    await attempt;
  }
}

/** Resolves on the client's next reconnect attempt; fails the test if none comes within 15 s. */
function nextReconnectAttempt(client: StoreService['client']): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('reconnecting', attempted);
      reject(new Error('no reconnect attempt within 15 s'));
    }, 15_000);
    const attempted = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('reconnecting', attempted);
  });
}

async function recovered(store: StoreService): Promise<void> {
  await waitFor(
    () =>
      store.set('recovered', 1).then(
        () => true,
        () => false,
      ),
    20_000,
    'writes to succeed again',
  );
}

function appModule(options: StoreModuleOptions): new () => unknown {
  @Module({
    imports: [StoreModule.forRoot({ commandTimeout: COMMAND_TIMEOUT_MS, ...options })],
    controllers: [ItemsController],
  })
  class AppModule {}
  return AppModule;
}

describe.each(PLATFORMS)('bounded answers while Redis is away (%s)', (platform: Platform) => {
  let server: RedisServerHandle;
  let hole: BlackHole;
  let direct: { app: INestApplication; url: string };
  let proxied: { app: INestApplication; url: string };

  beforeAll(async () => {
    server = await startStandalone();
    hole = await BlackHole.start(server.port);
    direct = await listenHttp(
      appModule({ redis: server.url, keyPrefix: testKeyPrefix('bounded'), l1: true }),
      platform,
    );
    proxied = await listenHttp(
      appModule({ redis: hole.url, keyPrefix: testKeyPrefix('bounded') }),
      platform,
    );
  });

  afterAll(async () => {
    await direct?.app.close();
    await proxied?.app.close();
    await hole?.close();
    await server?.stop();
  });

  it('answers every path within commandTimeout while Redis is stopped, then recovers', async () => {
    const store = direct.app.get(StoreService);
    await store.set('k', 1);
    await server.kill();
    try {
      await expectBoundedWhile('stopped', direct.app, direct.url);
    } finally {
      await server.restart();
    }
    await recovered(store);
  });

  it('answers every path within commandTimeout while Redis is frozen (SIGSTOP), then recovers', async () => {
    const store = direct.app.get(StoreService);
    await recovered(store);
    process.kill(server.pid, 'SIGSTOP');
    try {
      await expectBoundedWhile('frozen', direct.app, direct.url);
    } finally {
      process.kill(server.pid, 'SIGCONT');
    }
    await recovered(store);
  });

  it('answers every path within commandTimeout behind a black hole, then recovers', async () => {
    const store = proxied.app.get(StoreService);
    await recovered(store);
    hole.swallow();
    try {
      await expectBoundedWhile('black hole', proxied.app, proxied.url);
    } finally {
      hole.heal();
    }
    await recovered(store);
  });
});

@Injectable()
class NewsListener {
  readonly received: string[] = [];

  @OnChannel('news')
  onNews(message: string): void {
    this.received.push(message);
  }
}

describe('booting while Redis is away', () => {
  let server: RedisServerHandle;

  beforeAll(async () => {
    server = await startStandalone();
  });
  afterAll(() => server.stop());

  async function boot(options: StoreModuleOptions): Promise<INestApplication> {
    @Module({
      imports: [StoreModule.forRoot({ commandTimeout: COMMAND_TIMEOUT_MS, ...options })],
      providers: [NewsListener],
    })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
    return app.init().catch(async (error: unknown) => {
      await app.close();
      throw error;
    });
  }

  it('boots with Redis stopped; @OnChannel listeners and L1 start once Redis is back', async () => {
    const keyPrefix = testKeyPrefix('boot');
    await server.kill();
    const started = performance.now();
    const app = await boot({ redis: server.url, keyPrefix, l1: true }).finally(() =>
      server.restart(),
    );
    try {
      expect(performance.now() - started).toBeLessThan(COMMAND_TIMEOUT_MS + BASE_MARGIN_MS);
      const listener = app.get(NewsListener);
      // Published again until the late subscription is in place (pub/sub keeps nothing for later).
      await waitFor(
        async () => {
          await redisCommand(server.port, ['PUBLISH', `${keyPrefix}news`, '"back"']);
          return listener.received.includes('back');
        },
        15_000,
        '@OnChannel to receive once Redis is back',
      );
      const store = app.get(StoreService);
      await store.set('k', 'v');
      expect(await store.get('k')).toBe('v');
    } finally {
      await app.close();
    }
  });

  it('boots behind a black hole within commandTimeout', async () => {
    const hole = await BlackHole.start();
    const started = performance.now();
    const app = await boot({ redis: hole.url, keyPrefix: testKeyPrefix('boot'), l1: true });
    try {
      // Each subscription waits for the connection attempt at most commandTimeout, all at once.
      expect(performance.now() - started).toBeLessThan(COMMAND_TIMEOUT_MS * 2 + BASE_MARGIN_MS);
      await expect(app.get(StoreService).get('k')).rejects.toBeInstanceOf(StoreConnectionError);
    } finally {
      await app.close();
      await hole.close();
    }
  });

  it('waitForConnection fails the start with StoreConnectionError after its timeout', async () => {
    await server.kill();
    try {
      const error: unknown = await boot({
        redis: server.url,
        keyPrefix: testKeyPrefix('boot'),
        waitForConnection: 0.5,
      }).then(
        (app) => app.close(),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StoreConnectionError);
      expect((error as Error).message).toMatch(/not connected within 500 ms \(waitForConnection\)/);
    } finally {
      await server.restart();
    }
  });

  it('waitForConnection: true boots once Redis is reachable', async () => {
    const app = await boot({
      redis: server.url,
      keyPrefix: testKeyPrefix('boot'),
      waitForConnection: true,
    });
    try {
      expect(app.get(StoreService).connectionState$).toBeDefined();
      await app.get(StoreService).set('k', 1);
    } finally {
      await app.close();
    }
  });
});
