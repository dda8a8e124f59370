/**
 * `RateLimiterService.reset` is cluster-wide: two app instances on one Redis both hold a refusal in
 * process (a block of an hour); a reset on one makes the other admit the key again at once, rather
 * than after the block, and a raw client sees the state gone from Redis and the announcement on
 * the internal channel `bus:rl`.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  RateLimiterService,
  StoreModule,
  type RateLimitPolicy,
  type StoreModuleOptions,
} from '../../lib/index.js';
import { rateLimitAlgorithmOf } from '../../lib/engine/rate-limit/algorithms/registry.js';
import { callerKeyOf } from '../../lib/engine/rate-limit/caller-key.js';
import { RateLimitStateKeys } from '../../lib/engine/rate-limit/rate-limit-state-keys.js';
import type { RateLimitResetBus } from '../../lib/engine/rate-limit/reset-bus.js';
import type { StoreContext } from '../../lib/engine/store-context.js';
import { KeySpace } from '../../lib/keys/key-space.js';
import { STORE_CONTEXT } from '../../lib/nest/store.constants.js';
import { harnessInfo } from '../support/harness-info.js';
import { redisCommand } from '../support/redis-servers.js';
import { redisStore } from '../support/store-options.js';
import { waitFor } from '../support/timing.js';

interface Instance {
  app: INestApplicationContext;
  limiter: RateLimiterService;
  context: StoreContext;
}

const policy: RateLimitPolicy = {
  name: 'login',
  limit: 2,
  window: '1h',
  algorithm: 'fixed-window',
  blockDuration: '1h',
};

async function open(options: StoreModuleOptions): Promise<Instance> {
  const app = await NestFactory.createApplicationContext(StoreModule.forRoot(options), {
    logger: false,
  });
  return {
    app,
    limiter: app.get(RateLimiterService),
    context: app.get<StoreContext>(STORE_CONTEXT),
  };
}

/** One command to the harness's standalone server, from a client of its own. */
function raw(args: string[]) {
  const url = new URL(harnessInfo().standaloneUrl);
  return redisCommand(Number(url.port), args, 1_000, url.hostname);
}

/** The limiter's reset bus (internal): whether it listens, so a refusal kept now is kept for good. */
const listening = ({ limiter }: Instance): boolean =>
  (limiter as unknown as { resets: RateLimitResetBus | null }).resets?.listening === true;

/** Consumes until a refusal is answered from the instance's memory (no store round trip). */
async function refusedFromMemory(instance: Instance, key: string): Promise<void> {
  const calls = jest.spyOn(instance.context.driver, 'rateLimit');
  try {
    await waitFor(
      async () => {
        const before = calls.mock.calls.length;
        const result = await instance.limiter.consume(key, policy);
        expect(result.allowed).toBe(false);
        return calls.mock.calls.length === before;
      },
      10_000,
      'a refusal answered from memory',
    );
  } finally {
    calls.mockRestore();
  }
}

describe('RateLimiterService.reset across instances (one Redis)', () => {
  const options = redisStore('rl-reset');
  let instances: Instance[] = [];

  beforeAll(async () => {
    instances = [await open(options), await open(options)];
  });

  afterAll(async () => {
    await Promise.all(instances.map(({ app }) => app.close()));
  });

  it('makes every instance forget its in-process refusal, and deletes the state in Redis', async () => {
    const [a, b] = instances;
    const key = `caller-${randomUUID()}`;
    const { keyPrefix, internalSegment } = a.context.options;
    const keys = new RateLimitStateKeys(new KeySpace(keyPrefix, internalSegment).rateLimitBase).of(
      policy.name!,
      callerKeyOf(key),
      rateLimitAlgorithmOf(policy.algorithm)!,
    );

    const first = [];
    for (let i = 0; i < 3; i++) first.push((await a.limiter.consume(key, policy)).allowed);
    expect(first).toEqual([true, true, false]);
    expect((await b.limiter.consume(key, policy)).allowed).toBe(false);
    // Each instance subscribes on its first refusal; a refusal kept from then on is one a reset
    // announcement reaches. Both now answer the key from memory for the hour of the block.
    await waitFor(() => instances.every(listening), 10_000, 'both instances to listen for resets');
    await refusedFromMemory(a, key);
    await refusedFromMemory(b, key);
    expect(await raw(['EXISTS', keys.block])).toBe(1);

    // Another client hears the announcement as the README documents it.
    const listener = new Redis(harnessInfo().standaloneUrl);
    const heard: unknown[] = [];
    try {
      listener.on('message', (_channel: string, message: string) =>
        heard.push(JSON.parse(message)),
      );
      await listener.subscribe(`${keyPrefix}${internalSegment}:bus:rl`);
      await a.limiter.reset(key, policy);
      expect(await raw(['EXISTS', keys.state, keys.block])).toBe(0);
      await waitFor(() => heard.length > 0, 5_000, 'the reset on the bus:rl channel');
    } finally {
      listener.disconnect();
    }
    expect(heard).toEqual([
      { o: expect.any(String), a: 'fixed-window', n: 'login', k: callerKeyOf(key) },
    ]);

    // B hears the reset: its next check asks Redis, which has nothing for the key.
    let admitted: Awaited<ReturnType<RateLimiterService['consume']>> | undefined;
    await waitFor(
      async () => {
        const result = await b.limiter.consume(key, policy);
        if (result.allowed) admitted = result;
        return result.allowed;
      },
      10_000,
      'instance B to admit the key after the reset on A',
    );
    expect(admitted).toMatchObject({ allowed: true, remaining: policy.limit - 1 });
    expect(RateLimiterService.isUnavailable(admitted!)).toBe(false);
    expect(await a.limiter.consume(key, policy)).toMatchObject({ allowed: true, remaining: 0 });
  });
});
