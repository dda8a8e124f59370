/**
 * Benchmark entry: `npm run bench` runs every suite; `node .build/bench/run.js core` runs some.
 *
 * Starts a private redis-server on a free loopback port (never a developer's own Redis) unless
 * `REDIS_URL` is set, prints the versions under test, runs the chosen suites, and stops the server
 * again, also when a suite fails. Settings: BENCH_SECONDS (round length, default 3),
 * BENCH_ROUNDS (3), BENCH_CONCURRENCY (100), BENCH_WARMUP_SECONDS (1),
 * BENCH_LATENCY=0 (no latency sampling).
 */
import 'reflect-metadata';
import os from 'node:os';
import { cacheSuite } from './cache.bench.js';
import { coreSuite } from './core.bench.js';
import { outageSuite } from './outage.bench.js';
import { pubsubSuite } from './pubsub.bench.js';
import { rateLimitSuite } from './rate-limit.bench.js';
import type { Suite } from './lib/context.js';
import { defaultMeasureOptions } from './lib/measure.js';
import { redisServerVersion, startRedisTarget, type StartedRedis } from './lib/redis-target.js';
import { keyValues, line } from './lib/report.js';
import { packageVersion } from './lib/versions.js';

/** Suite name → suite (`node .build/bench/run.js <name>...`; none: all of them). */
const SUITES: Record<string, Suite> = {
  core: coreSuite,
  cache: cacheSuite,
  'rate-limit': rateLimitSuite,
  pubsub: pubsubSuite,
  outage: outageSuite,
};

function selectSuites(args: string[]): Array<[string, Suite]> {
  if (args.length === 0) return Object.entries(SUITES);
  const unknown = args.filter((name) => !(name in SUITES));
  if (unknown.length > 0) {
    throw new Error(
      `unknown suite(s): ${unknown.join(', ')}; available: ${Object.keys(SUITES).join(', ')}`,
    );
  }
  return args.map((name) => [name, SUITES[name]!]);
}

async function main(): Promise<void> {
  const selected = selectSuites(process.argv.slice(2));
  const measure = defaultMeasureOptions();
  let redis: StartedRedis | undefined;
  const stopRedis = (): void => {
    void redis?.stop();
  };
  process.once('SIGINT', stopRedis);
  process.once('SIGTERM', stopRedis);
  try {
    redis = await startRedisTarget();
    const serverVersion = await redisServerVersion(redis.target.url);

    line('nestjs-store benchmarks');
    keyValues([
      ['node', process.version],
      ['ioredis', packageVersion('ioredis')],
      [
        'redis-server',
        `${serverVersion} at ${redis.target.host}:${redis.target.port}${redis.target.external ? ' (REDIS_URL)' : ' (private, started by the bench)'}`,
      ],
      ['keyv / @keyv/redis', `${packageVersion('keyv')} / ${packageVersion('@keyv/redis')}`],
      ['cache-manager', packageVersion('cache-manager')],
      ['bentocache', packageVersion('bentocache')],
      ['@nestjs/core', packageVersion('@nestjs/core')],
      [
        'machine',
        `${os.cpus().length} CPU (${os.cpus()[0]?.model.trim() ?? 'unknown'}), ${os.platform()} ${os.release()}`,
      ],
      ['suites', selected.map(([name]) => name).join(', ')],
    ]);

    for (const [name, suite] of selected) {
      process.stderr.write(`suite ${name}\n`);
      await suite({ redis: redis.target, measure });
    }
    line();
    line(
      'Absolute numbers drift between runs on shared machines: compare the ratios measured in one run.',
    );
  } finally {
    process.off('SIGINT', stopRedis);
    process.off('SIGTERM', stopRedis);
    await redis?.stop();
  }
}

main()
  .catch((error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  })
  .finally(() => {
    // Every client should be closed by now; if something still holds the loop open, say what.
    setTimeout(() => {
      process.stderr.write(
        `bench: still running 5 s after the end; open resources: ${process.getActiveResourcesInfo().join(', ')}\n`,
      );
    }, 5_000).unref();
  });
