/**
 * The Express Nest apps the HTTP part loads, all in this process, each on its own loopback port.
 *
 * Every app serves `GET /users/:id`: a handler that waits 2 ms (`setTimeout`, a handler with some
 * cost) and returns a ~300-byte JSON object. They differ only in what sits in front of it:
 * - nestjs-store `@Cacheable({ ttl: 60 })` on the bench's Redis, without L1, and with `l1: true`;
 *   and the same controller in a feature module with `StoreModule.forFeature({ namespace })`;
 * - `@nestjs/cache-manager`: `CacheModule.register({ stores: [new KeyvRedis(url)] })` with
 *   `@UseInterceptors(CacheInterceptor)` + `@CacheTTL(60000)`;
 * - no cache.
 * Each app counts its handler calls, so the bench can tell hits from misses exactly.
 */
import {
  Controller,
  Get,
  Module,
  Param,
  UseInterceptors,
  type INestApplication,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CacheInterceptor, CacheModule, CacheTTL } from '@nestjs/cache-manager';
import KeyvRedis from '@keyv/redis';
import { Cacheable, StoreModule } from '../../lib/index.js';
import { VALUE } from '../core.bench.js';

/** TTL of the cached route: `@Cacheable({ ttl: 60 })` (seconds) and `@CacheTTL(60_000)` (ms). */
export const HTTP_TTL_SECONDS = 60;
const HANDLER_DELAY_MS = 2;

export const HTTP_NAMES = {
  store: 'nestjs-store @Cacheable',
  storeL1: 'nestjs-store @Cacheable (l1: true)',
  storeFeature: 'nestjs-store @Cacheable (forFeature namespace)',
  cacheManager: '@nestjs/cache-manager CacheInterceptor',
  none: 'no cache',
} as const;

export interface HttpApp {
  name: string;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Handler calls so far (each one is a miss for the cached apps). */
  handlerCalls(): number;
  close(): Promise<void>;
}

/** What `GET /users/:id` returns: the ~300-byte object of the core suite, with the id filled in. */
export function userFor(id: string | number): typeof VALUE {
  return { ...VALUE, id: `usr_${String(id).padStart(10, '0')}` };
}

/** The handler's work, shared by every app: ~2 ms of waiting, then the ~300-byte object. */
async function loadUser(counter: { calls: number }, id: string): Promise<typeof VALUE> {
  counter.calls++;
  await new Promise((resolve) => setTimeout(resolve, HANDLER_DELAY_MS));
  return userFor(id);
}

function storeController(counter: { calls: number }): Type {
  @Controller('users')
  class UsersController {
    @Get(':id')
    @Cacheable({ ttl: HTTP_TTL_SECONDS })
    findOne(@Param('id') id: string): Promise<typeof VALUE> {
      return loadUser(counter, id);
    }
  }
  return UsersController;
}

function cacheManagerController(counter: { calls: number }): Type {
  @Controller('users')
  class UsersController {
    @Get(':id')
    @UseInterceptors(CacheInterceptor)
    @CacheTTL(HTTP_TTL_SECONDS * 1000)
    findOne(@Param('id') id: string): Promise<typeof VALUE> {
      return loadUser(counter, id);
    }
  }
  return UsersController;
}

function plainController(counter: { calls: number }): Type {
  @Controller('users')
  class UsersController {
    @Get(':id')
    findOne(@Param('id') id: string): Promise<typeof VALUE> {
      return loadUser(counter, id);
    }
  }
  return UsersController;
}

async function listen(name: string, module: Type, counter: { calls: number }): Promise<HttpApp> {
  const app: INestApplication = await NestFactory.create(module, { logger: ['error', 'warn'] });
  try {
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return { name, url, handlerCalls: () => counter.calls, close: () => app.close() };
  } catch (error) {
    await app.close();
    throw error;
  }
}

export function storeApp(redisUrl: string, keyPrefix: string, l1: boolean): Promise<HttpApp> {
  const counter = { calls: 0 };
  @Module({
    imports: [StoreModule.forRoot({ redis: redisUrl, keyPrefix, ...(l1 ? { l1: true } : {}) })],
    controllers: [storeController(counter)],
  })
  class StoreBenchModule {}
  return listen(l1 ? HTTP_NAMES.storeL1 : HTTP_NAMES.store, StoreBenchModule, counter);
}

/** The controller in a feature module given a namespace of the store with `forFeature`, no `isGlobal`. */
export function storeFeatureApp(redisUrl: string, keyPrefix: string): Promise<HttpApp> {
  const counter = { calls: 0 };
  @Module({
    imports: [StoreModule.forFeature({ namespace: 'users' })],
    controllers: [storeController(counter)],
  })
  class UsersFeatureModule {}
  @Module({ imports: [StoreModule.forRoot({ redis: redisUrl, keyPrefix }), UsersFeatureModule] })
  class StoreFeatureBenchModule {}
  return listen(HTTP_NAMES.storeFeature, StoreFeatureBenchModule, counter);
}

export function cacheManagerApp(redisUrl: string, namespace: string): Promise<HttpApp> {
  const counter = { calls: 0 };
  const adapter = new KeyvRedis(redisUrl);
  adapter.on('error', (error: unknown) =>
    process.stderr.write(`@nestjs/cache-manager KeyvRedis error: ${String(error)}\n`),
  );
  @Module({
    imports: [CacheModule.register({ stores: [adapter], namespace })],
    controllers: [cacheManagerController(counter)],
  })
  class CacheManagerBenchModule {}
  return listen(HTTP_NAMES.cacheManager, CacheManagerBenchModule, counter);
}

export function plainApp(): Promise<HttpApp> {
  const counter = { calls: 0 };
  @Module({ controllers: [plainController(counter)] })
  class PlainBenchModule {}
  return listen(HTTP_NAMES.none, PlainBenchModule, counter);
}
