/**
 * The in-process (L1) tier of each system under test, each in front of the bench's Redis, each
 * bound to its own preloaded key.
 *
 * - nestjs-store: `StoreModule.forRoot({ redis, l1: { maxEntries: 10 000, ttl: '5m' } })`, preloaded
 *   through `getOrSet`, read through `get` and through `getOrSet` (both L1 hits).
 * - bentocache: `bentostore().useL1Layer(memoryDriver(...)).useL2Layer(redisDriver(...))`, no bus.
 * - cache-manager 7 tiered: `createCache({ stores: [new Keyv() (its in-memory Map), new Keyv({ store: new KeyvRedis(url) })] })`.
 *
 * The suite checks that each read returns the value and sends (almost) no command to Redis.
 */
import { redisOptionsFromUrl } from '../lib/redis-target.js';
import { NestFactory } from '@nestjs/core';
import KeyvRedis from '@keyv/redis';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisDriver } from 'bentocache/drivers/redis';
import { createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import { StoreModule, StoreService } from '../../lib/index.js';
import { VALUE } from '../core.bench.js';

/** L1 capacity given to every system alike. */
export const L1_MAX_ENTRIES = 10_000;
/** Preloaded keys must outlive the whole run, in Redis and in every L1 (nestjs-store's L1 TTL is 5 min). */
export const PRELOAD_TTL_SECONDS = 3600;

export interface L1System {
  name: string;
  /** The measured read (an L1 hit once preloaded). */
  read(): Promise<unknown>;
  /** Writes the value through the system's own API (TTL `PRELOAD_TTL_SECONDS`). */
  preload(): Promise<unknown>;
  close(): Promise<void>;
}

export const L1_NAMES = {
  storeGet: 'nestjs-store L1 get',
  storeGetOrSet: 'nestjs-store L1 getOrSet',
  bento: 'bentocache L1+L2 get',
  cacheManager: 'cache-manager 7 tiered get',
  map: 'Map.get (runner floor)',
} as const;

/** One Nest application context holding a store with an L1 tier; both nestjs-store cases use it. */
export async function nestjsStoreL1(
  url: string,
  keyPrefix: string,
): Promise<{ store: StoreService; close(): Promise<void> }> {
  const app = await NestFactory.createApplicationContext(
    StoreModule.forRoot({ redis: url, keyPrefix, l1: { maxEntries: L1_MAX_ENTRIES, ttl: '5m' } }),
    { logger: false },
  );
  try {
    return { store: app.get(StoreService), close: () => app.close() };
  } catch (error) {
    await app.close();
    throw error;
  }
}

export function storeGet(store: StoreService, key: string): L1System {
  return {
    name: L1_NAMES.storeGet,
    read: () => store.get(key),
    preload: () => store.getOrSet(key, () => VALUE, { ttl: PRELOAD_TTL_SECONDS }),
    close: async () => undefined,
  };
}

export function storeGetOrSet(store: StoreService, key: string): L1System {
  const loader = (): typeof VALUE => {
    throw new Error(`nestjs-store getOrSet called the loader for ${key}: a miss, not an L1 hit`);
  };
  return {
    name: L1_NAMES.storeGetOrSet,
    read: () => store.getOrSet(key, loader, { ttl: PRELOAD_TTL_SECONDS }),
    preload: () => store.getOrSet(key, () => VALUE, { ttl: PRELOAD_TTL_SECONDS }),
    close: async () => undefined,
  };
}

export function bentocacheL1(url: string, key: string): L1System {
  const bento = new BentoCache({
    default: 'tiered',
    stores: {
      tiered: bentostore()
        .useL1Layer(memoryDriver({ maxItems: L1_MAX_ENTRIES, maxSize: 64 * 1024 * 1024 }))
        .useL2Layer(redisDriver({ connection: redisOptionsFromUrl(url) })),
    },
  });
  return {
    name: L1_NAMES.bento,
    read: () => bento.get({ key }),
    preload: () => bento.set({ key, value: VALUE, ttl: `${PRELOAD_TTL_SECONDS}s` }),
    close: () => bento.disconnectAll(),
  };
}

export function cacheManagerTiered(url: string, key: string): L1System {
  const memoryTier = new Keyv(); // Keyv's default in-memory Map store
  const redisAdapter = new KeyvRedis(url);
  const redisTier = new Keyv({ store: redisAdapter });
  redisTier.on('error', (error: unknown) =>
    process.stderr.write(`cache-manager Keyv error: ${String(error)}\n`),
  );
  const cache = createCache({ stores: [memoryTier, redisTier] });
  return {
    name: L1_NAMES.cacheManager,
    read: () => cache.get(key),
    preload: () => cache.set(key, VALUE, PRELOAD_TTL_SECONDS * 1000), // ms
    close: async () => {
      await cache.disconnect();
    },
  };
}

/** The runner's own ceiling: the cheapest possible promise-returning read. */
export function mapFloor(key: string): L1System {
  const map = new Map<string, unknown>();
  return {
    name: L1_NAMES.map,
    read: () => Promise.resolve(map.get(key)),
    preload: async () => {
      map.set(key, VALUE);
    },
    close: async () => undefined,
  };
}
