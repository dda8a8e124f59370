/**
 * The rate limiters under test, each reduced to one `check(key)` that resolves to whether the
 * request was admitted, each on its own key prefix in the bench's Redis.
 *
 * - nestjs-store: `StoreModule.forRoot({ redis, keyPrefix })`, `RateLimiterService.consume(key, policy)`.
 * - rate-limiter-flexible: `new RateLimiterRedis({ storeClient: new Redis(url), points, duration, keyPrefix })`,
 *   `consume(key)` (a refusal rejects with a `RateLimiterRes`; any other rejection is an error);
 *   optionally with `inMemoryBlockOnConsumed` / `inMemoryBlockDuration`.
 * - throttler-storage-redis: `new ThrottlerStorageRedisService(new Redis(url))`,
 *   `increment(key, ttlMs, limit, blockDurationMs, throttlerName)`; admitted when not blocked and
 *   `totalHits <= limit` (what `ThrottlerGuard` does with the record).
 *
 * The anchors get a plain `new Redis(url)` (their documented set-up); nestjs-store's client is the
 * one its module creates.
 */
import { NestFactory } from '@nestjs/core';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimiterService, StoreModule, type RateLimitPolicy } from '../../lib/index.js';

/** One limiter bound to one configuration. */
export interface Limiter {
  name: string;
  /** One check of `key` (cost 1): resolves to true when admitted, false when refused. */
  check(key: string): Promise<boolean>;
}

export interface NestjsStoreHandle {
  limiter: RateLimiterService;
  close(): Promise<void>;
}

export async function openNestjsStore(url: string, keyPrefix: string): Promise<NestjsStoreHandle> {
  const app = await NestFactory.createApplicationContext(
    StoreModule.forRoot({ redis: url, keyPrefix }),
    { logger: false },
  );
  try {
    return { limiter: app.get(RateLimiterService), close: () => app.close() };
  } catch (error) {
    await app.close();
    throw error;
  }
}

export function nestjsStoreLimiter(
  name: string,
  limiter: RateLimiterService,
  policy: RateLimitPolicy,
): Limiter {
  return { name, check: (key) => limiter.consume(key, policy).then((r) => r.allowed) };
}

export interface RlfConfig {
  points: number;
  durationSeconds: number;
  keyPrefix: string;
  /** Set both to enable rate-limiter-flexible's in-process block of keys consumed this far. */
  inMemoryBlockOnConsumed?: number;
  inMemoryBlockDurationSeconds?: number;
}

export function rateLimiterFlexible(name: string, client: Redis, config: RlfConfig): Limiter {
  const rl = new RateLimiterRedis({
    storeClient: client,
    points: config.points,
    duration: config.durationSeconds,
    keyPrefix: config.keyPrefix,
    ...(config.inMemoryBlockOnConsumed !== undefined
      ? {
          inMemoryBlockOnConsumed: config.inMemoryBlockOnConsumed,
          inMemoryBlockDuration: config.inMemoryBlockDurationSeconds,
        }
      : {}),
  });
  const refused = (reason: unknown): boolean => {
    if (reason instanceof RateLimiterRes) return false;
    throw reason instanceof Error
      ? reason
      : new Error(`rate-limiter-flexible rejected with ${String(reason)}`);
  };
  return { name, check: (key) => rl.consume(key).then(() => true, refused) };
}

export interface ThrottlerConfig {
  limit: number;
  ttlMs: number;
  blockDurationMs: number;
  keyPrefix: string;
  throttlerName: string;
}

export function throttlerStorageRedis(
  name: string,
  client: Redis,
  config: ThrottlerConfig,
): Limiter {
  // Given a client, the service never disconnects it: the suite quits it.
  const storage = new ThrottlerStorageRedisService(client);
  return {
    name,
    check: (key) =>
      storage
        .increment(
          config.keyPrefix + key,
          config.ttlMs,
          config.limit,
          config.blockDurationMs,
          config.throttlerName,
        )
        .then((record) => !record.isBlocked && record.totalHits <= config.limit),
  };
}

/** A client for an anchor, the way their READMEs set one up: `new Redis(url)`, no options. */
export function anchorClient(url: string): Redis {
  return new Redis(url);
}
