import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import {
  RateLimiterService,
  StoreCommandError,
  StoreModule,
  type RateLimitPolicy,
  type StoreModuleOptions,
} from '../../lib/index.js';
import { clusterNodes, harnessInfo } from '../support/harness-info.js';
import { redisCommand, startStandalone, type RedisServerHandle } from '../support/redis-servers.js';
import { LimiterFixtures, type LimiterFixture } from './algorithms.suite.js';

/*
 * The Redis driver sends the checks made in one turn as few script calls (rate-limit-batcher.ts).
 * The algorithm suite shows the answers are those of one-by-one checks; this spec covers what only
 * sharing a call could break: one check's failure, the number of calls, and closing with checks queued.
 */

const policy: RateLimitPolicy = { limit: 10, window: '1h', algorithm: 'fixed-window' };

describe.each([
  ['Redis standalone', (): StoreModuleOptions => ({ redis: harnessInfo().standaloneUrl })],
  ['Redis Cluster', (): StoreModuleOptions => ({ redis: { cluster: { nodes: clusterNodes() } } })],
])('rate-limit checks sharing a script call: %s', (_name, connection) => {
  const fixtures = new LimiterFixtures(connection);
  let fixture: LimiterFixture;

  beforeAll(async () => {
    fixture = await fixtures.open();
  });
  afterAll(() => fixtures.closeAll());

  it('a check that fails in the store fails alone; the checks made with it are answered', async () => {
    const bad = `bad-${randomUUID()}`;
    // A foreign value where the policy keeps its state: that check's script step gets WRONGTYPE.
    await fixture.driver.set(
      `${fixture.prefix}__nestjs_store__:rl:{default:${bad}}:fw`,
      'not a hash',
    );
    const good = Array.from({ length: 5 }, (_, i) => `good-${i}-${randomUUID()}`);
    const [failed, ...answered] = await Promise.allSettled([
      fixture.limiter.consume(bad, policy),
      ...good.map((key) => fixture.limiter.consume(key, policy)),
    ]);
    expect(failed).toMatchObject({ status: 'rejected', reason: expect.any(StoreCommandError) });
    expect((failed as PromiseRejectedResult).reason).toMatchObject({ replyCode: 'WRONGTYPE' });
    for (const result of answered)
      expect(result).toMatchObject({ status: 'fulfilled', value: { allowed: true, remaining: 9 } });
  });

  it('closing the app sends the checks still queued, and they are answered', async () => {
    const own = await fixtures.open();
    const key = `closing-${randomUUID()}`;
    const pending = Array.from({ length: 3 }, () => own.limiter.consume(key, policy));
    await own.app.close();
    expect((await Promise.all(pending)).map((r) => r.remaining)).toEqual([9, 8, 7]);
  });
});

describe('rate-limit checks sharing a script call: script calls on a private server', () => {
  let server: RedisServerHandle;

  beforeAll(async () => {
    server = await startStandalone();
  });
  afterAll(() => server.stop());

  async function scriptCalls(): Promise<number> {
    const stats = String(await redisCommand(server.port, ['INFO', 'commandstats']));
    return [...stats.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
  }

  it('100 checks made at once, on 100 keys and on one key, take a handful of script calls, not 100', async () => {
    const app = await NestFactory.createApplicationContext(
      StoreModule.forRoot({ redis: server.url }),
      { logger: false },
    );
    try {
      const limiter = app.get(RateLimiterService);
      await limiter.peek('warm-up', policy); // loads the script, so the count below is EVALSHA alone
      await redisCommand(server.port, ['CONFIG', 'RESETSTAT']);

      const spread = await Promise.all(
        Array.from({ length: 100 }, (_, i) => limiter.consume(`k${i}`, policy)),
      );
      expect(spread.every((r) => r.allowed && r.remaining === 9)).toBe(true);
      expect(await scriptCalls()).toBeLessThanOrEqual(4); // batches of at most 32

      await redisCommand(server.port, ['CONFIG', 'RESETSTAT']);
      const oneKey = await Promise.all(
        Array.from({ length: 100 }, () => limiter.consume('one', { ...policy, limit: 50 })),
      );
      expect(oneKey.filter((r) => r.allowed)).toHaveLength(50);
      expect(oneKey.slice(0, 50).map((r) => r.remaining)).toEqual(
        Array.from({ length: 50 }, (_, i) => 49 - i),
      );
      expect(await scriptCalls()).toBeLessThanOrEqual(4);
    } finally {
      await app.close();
    }
  });
});
