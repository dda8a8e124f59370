/**
 * Rate-limit suite: `RateLimiterService.consume` against rate-limiter-flexible's
 * `RateLimiterRedis.consume` and throttler-storage-redis's `increment`, side by side in one run.
 *
 * 1. Admitted consumes: a limit no run can reach (1e9 per 3600 s), on one key per system and on
 *    1,000 keys round-robin; nestjs-store with each of its five algorithms.
 * 2. Blocked-key checks: a key over its limit (limit 1 per 3600 s, consumed twice first), checked
 *    again and again. nestjs-store remembers refused keys in process; rate-limiter-flexible is
 *    measured plainly and with its in-memory block; throttler-storage-redis runs its script.
 *
 * Every limiter is checked to admit (1) or refuse (2) before and after measuring, and every measured
 * call fails the round if it gets the other answer. Redis commands per 1,000 checks come from
 * `INFO commandstats`. Blocked checks answered in process settle without I/O, so every case of (2)
 * runs through the same `yieldingOp` wrapper (see cache/yielding-op.ts).
 *
 * Round length: BENCH_SECONDS when set, else 2 s (this suite has 19 cases; it stays under 3 min).
 */
import { Redis } from 'ioredis';
import {
  MAX_SLIDING_LOG_LIMIT,
  type RateLimitAlgorithm,
  type RateLimitPolicy,
} from '../lib/index.js';
import { YIELD_EVERY, yieldingOp } from './cache/yielding-op.js';
import type { BenchContext } from './lib/context.js';
import {
  measureAll,
  type BenchCase,
  type Measurement,
  type MeasureOptions,
} from './lib/measure.js';
import { deleteByPrefix } from './lib/redis-target.js';
import {
  formatRatio,
  goals,
  heading,
  line,
  measurementTable,
  ratios,
  subheading,
  table,
} from './lib/report.js';
import { packageVersion } from './lib/versions.js';
import {
  anchorClient,
  nestjsStoreLimiter,
  openNestjsStore,
  rateLimiterFlexible,
  throttlerStorageRedis,
  type Limiter,
} from './rate-limit/limiters.js';
import { commandsPerChecks, formatCommandCount } from './rate-limit/redis-commands.js';

const KEY_PREFIX = 'bench:rl:';
/** nestjs-store puts its state under `{keyPrefix}__nestjs_store__:rl:{…}`, throttler-storage-redis under `{<key>:<name>}:…`. */
const CLEANUP_PATTERN = `*${KEY_PREFIX}`;
const DEFAULT_ROUND_SECONDS = 2;

/**
 * sliding-log keeps one entry per request, so its limit is bounded (MAX_SLIDING_LOG_LIMIT): it runs
 * at that limit over a window short enough that nothing is refused, trimming as it goes.
 */
const SLIDING_LOG_OPEN_WINDOW = '2ms';

/** The admitting policy of each algorithm. */
function openPolicy(algorithm: RateLimitAlgorithm): RateLimitPolicy {
  if (algorithm === 'sliding-log')
    return { limit: MAX_SLIDING_LOG_LIMIT, window: SLIDING_LOG_OPEN_WINDOW, algorithm };
  return { limit: OPEN_LIMIT, window: OPEN_WINDOW_SECONDS, algorithm };
}

/** Scenario 1: nothing is refused during the run. */
const OPEN_LIMIT = 1e9;
const OPEN_WINDOW_SECONDS = 3600;
const DISTINCT_KEYS = 1000;
/** Scenario 2: a key over this limit stays refused for the whole run. */
const BLOCKED_LIMIT = 1;
const BLOCKED_WINDOW_SECONDS = 3600;
const TRAFFIC_CHECKS = 1000;

const ALGORITHMS: RateLimitAlgorithm[] = [
  'fixed-window',
  'sliding-window',
  'sliding-log',
  'token-bucket',
  'gcra',
];
const ADMIT_GOAL = 1.5;
const BLOCKED_GOAL = 20;

const NAMES = {
  store: (algorithm: RateLimitAlgorithm): string => `nestjs-store ${algorithm}`,
  storeBlocked: 'nestjs-store (blocked in process)',
  rlf: 'rate-limiter-flexible',
  rlfInMemory: 'rate-limiter-flexible inMemoryBlock',
  throttler: 'throttler-storage-redis',
  floor: 'floor: a resolved promise',
} as const;

export async function rateLimitSuite(ctx: BenchContext): Promise<void> {
  const measure: MeasureOptions = process.env['BENCH_SECONDS']
    ? ctx.measure
    : { ...ctx.measure, durationMs: DEFAULT_ROUND_SECONDS * 1000 };
  heading('rate-limit: admitted consumes and blocked-key checks');
  line(
    `rate-limiter-flexible ${packageVersion('rate-limiter-flexible')} (RateLimiterRedis), @nestjs/throttler ${packageVersion('@nestjs/throttler')} + ` +
      `@nest-lab/throttler-storage-redis ${packageVersion('@nest-lab/throttler-storage-redis')} (ThrottlerStorageRedisService)`,
  );
  line(
    `${measure.concurrency} concurrent callers; warm-up ${measure.warmupMs / 1000} s, ${measure.rounds} rounds of ${measure.durationMs / 1000} s, ` +
      `median; rounds interleaved across systems`,
  );
  line(
    'nestjs-store: StoreModule.forRoot({ redis, keyPrefix }) (its own client: auto-pipelined, EVALSHA); the anchors: one plain new Redis(url) each',
  );
  try {
    await admittedPart(ctx.redis.url, measure);
    await blockedPart(ctx.redis.url, measure);
  } finally {
    await deleteByPrefix(ctx.redis.url, CLEANUP_PATTERN).catch((error: unknown) =>
      process.stderr.write(`rate-limit: cleanup failed: ${String(error)}\n`),
    );
  }
}

/** Opens nestjs-store and two anchor clients; `run` builds the limiters; everything is closed afterwards. */
async function withSystems(
  url: string,
  prefix: string,
  run: (systems: {
    store: Awaited<ReturnType<typeof openNestjsStore>>;
    rlfClient: Redis;
    throttlerClient: Redis;
    commands: Redis;
  }) => Promise<void>,
): Promise<void> {
  const rlfClient = anchorClient(url);
  const throttlerClient = anchorClient(url);
  const commands = new Redis(url, { maxRetriesPerRequest: 1 });
  let store: Awaited<ReturnType<typeof openNestjsStore>> | undefined;
  try {
    store = await openNestjsStore(url, `${prefix}store:`);
    await run({ store, rlfClient, throttlerClient, commands });
  } finally {
    const closing = await Promise.allSettled([
      store?.close(),
      rlfClient.quit(),
      throttlerClient.quit(),
      commands.quit(),
    ]);
    for (const r of closing)
      if (r.status === 'rejected')
        process.stderr.write(`rate-limit: closing failed: ${String(r.reason)}\n`);
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Admitted consumes
// ---------------------------------------------------------------------------------------------

async function admittedPart(url: string, measure: MeasureOptions): Promise<void> {
  const prefix = `${KEY_PREFIX}admit:`;
  subheading(
    `Admitted consumes (limit ${OPEN_LIMIT.toExponential(0)} per ${OPEN_WINDOW_SECONDS} s: nothing is refused)`,
  );
  line(
    `nestjs-store: consume(key, { limit: ${OPEN_LIMIT}, window: ${OPEN_WINDOW_SECONDS}, algorithm }) for each algorithm; ` +
      `rate-limiter-flexible: RateLimiterRedis({ points: ${OPEN_LIMIT}, duration: ${OPEN_WINDOW_SECONDS} }).consume(key); ` +
      `throttler-storage-redis: increment(key, ${OPEN_WINDOW_SECONDS * 1000}, ${OPEN_LIMIT}, ${OPEN_WINDOW_SECONDS * 1000}, 'default')`,
  );
  line(
    `nestjs-store sliding-log: { limit: ${MAX_SLIDING_LOG_LIMIT}, window: '${SLIDING_LOG_OPEN_WINDOW}' } (its limit is bounded; the log is trimmed on every check)`,
  );
  line(
    `a) one key per system (every caller hits the same key); b) ${DISTINCT_KEYS.toLocaleString('en-US')} distinct keys per system, round-robin`,
  );

  await withSystems(url, prefix, async ({ store, rlfClient, throttlerClient, commands }) => {
    const limiters: Limiter[] = [
      ...ALGORITHMS.map((algorithm) =>
        nestjsStoreLimiter(NAMES.store(algorithm), store.limiter, openPolicy(algorithm)),
      ),
      rateLimiterFlexible(NAMES.rlf, rlfClient, {
        points: OPEN_LIMIT,
        durationSeconds: OPEN_WINDOW_SECONDS,
        keyPrefix: `${prefix}rlf`,
      }),
      throttlerStorageRedis(NAMES.throttler, throttlerClient, {
        limit: OPEN_LIMIT,
        ttlMs: OPEN_WINDOW_SECONDS * 1000,
        blockDurationMs: OPEN_WINDOW_SECONDS * 1000,
        keyPrefix: `${prefix}throttler:`,
        throttlerName: 'default',
      }),
    ];
    const oneKey = ['one'];
    const manyKeys = Array.from({ length: DISTINCT_KEYS }, (_, i) => `k${i}`);

    await expectAll(limiters, [...oneKey, ...manyKeys], true, 'before measuring');
    const traffic = new Map<string, string[]>();
    for (const limiter of limiters) {
      const count = await commandsPerChecks(commands, limiter, 'traffic', TRAFFIC_CHECKS, true);
      traffic.set(limiter.name, [
        formatCommandCount(count),
        (count.scriptUsec / TRAFFIC_CHECKS).toFixed(1),
      ]);
    }

    process.stderr.write('rate-limit: admitted, one key\n');
    const single = await measureAll(
      limiters.map((l) => admittedCase(l, oneKey)),
      measure,
    );
    process.stderr.write(`rate-limit: admitted, ${DISTINCT_KEYS} keys\n`);
    const many = await measureAll(
      limiters.map((l) => admittedCase(l, manyKeys)),
      measure,
    );
    await expectAll(limiters, [...oneKey, ...manyKeys], true, 'after measuring');

    line();
    line(
      `checked before and after measuring: every system admits on every key (and every measured call was admitted)`,
    );
    line(
      `Redis commands per ${TRAFFIC_CHECKS.toLocaleString('en-US')} admitted consumes (INFO commandstats delta, commands inside scripts included), ` +
        `and the server time of the script per consume (EVAL/EVALSHA usec, one caller):`,
    );
    table(
      ['system', 'script µs', 'commands'],
      limiters.map((l) => [l.name, traffic.get(l.name)![1]!, traffic.get(l.name)![0]!]),
      ['l', 'r', 'l'],
    );

    for (const [title, results] of [
      ['a) one key', single],
      [`b) ${DISTINCT_KEYS.toLocaleString('en-US')} keys round-robin`, many],
    ] as const) {
      line();
      line(`${title}:`);
      measurementTable(results);
      const by = byName(results);
      const anchor = faster(by(NAMES.rlf), by(NAMES.throttler));
      line();
      for (const algorithm of ALGORITHMS)
        ratios(by(NAMES.store(algorithm)), [by(NAMES.rlf), by(NAMES.throttler)]);
      line(`faster anchor: ${anchor.name}`);
      goals([
        {
          label: `${title}: fixed-window ≥ ${formatRatio(ADMIT_GOAL)} ${anchor.name}`,
          subject: by(NAMES.store('fixed-window')),
          anchor,
          min: ADMIT_GOAL,
        },
        {
          label: `${title}: sliding-window ≥ ${formatRatio(ADMIT_GOAL)} ${anchor.name}`,
          subject: by(NAMES.store('sliding-window')),
          anchor,
          min: ADMIT_GOAL,
        },
      ]);
    }
  });
}

/** Round-robin over `keys`; a refusal fails the round. */
function admittedCase(limiter: Limiter, keys: string[]): BenchCase {
  let next = 0;
  const fail = (key: string): never => {
    throw new Error(`${limiter.name}: refused "${key}" during an admitted run`);
  };
  return {
    name: limiter.name,
    op: () => {
      const key = keys[next++ % keys.length]!;
      return limiter.check(key).then((allowed) => allowed || fail(key));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Blocked-key checks
// ---------------------------------------------------------------------------------------------

async function blockedPart(url: string, measure: MeasureOptions): Promise<void> {
  const prefix = `${KEY_PREFIX}blocked:`;
  const key = 'over';
  subheading(
    `Blocked-key checks (limit ${BLOCKED_LIMIT} per ${BLOCKED_WINDOW_SECONDS} s, key consumed twice first)`,
  );
  line(
    `nestjs-store: consume(key, { limit: ${BLOCKED_LIMIT}, window: ${BLOCKED_WINDOW_SECONDS} }) (default sliding-window; the refused key is remembered in process)`,
  );
  line(
    `rate-limiter-flexible: RateLimiterRedis({ points: ${BLOCKED_LIMIT}, duration: ${BLOCKED_WINDOW_SECONDS} }).consume(key), plain (every check runs its script), ` +
      `and with { inMemoryBlockOnConsumed: ${BLOCKED_LIMIT + 1}, inMemoryBlockDuration: ${BLOCKED_WINDOW_SECONDS} } (answered in process)`,
  );
  line(
    `throttler-storage-redis: increment(key, ${BLOCKED_WINDOW_SECONDS * 1000}, ${BLOCKED_LIMIT}, ${BLOCKED_WINDOW_SECONDS * 1000}, 'default')`,
  );
  line(
    `all ${measure.concurrency} callers check the same blocked key; every case lets the event loop turn once per ` +
      `${YIELD_EVERY.toLocaleString('en-US')} calls (same wrapper for all: a check answered in process never does I/O)`,
  );

  await withSystems(url, prefix, async ({ store, rlfClient, throttlerClient, commands }) => {
    const limiters: Limiter[] = [
      nestjsStoreLimiter(NAMES.storeBlocked, store.limiter, {
        limit: BLOCKED_LIMIT,
        window: BLOCKED_WINDOW_SECONDS,
      }),
      rateLimiterFlexible(NAMES.rlf, rlfClient, {
        points: BLOCKED_LIMIT,
        durationSeconds: BLOCKED_WINDOW_SECONDS,
        keyPrefix: `${prefix}rlf`,
      }),
      rateLimiterFlexible(NAMES.rlfInMemory, rlfClient, {
        points: BLOCKED_LIMIT,
        durationSeconds: BLOCKED_WINDOW_SECONDS,
        keyPrefix: `${prefix}rlf-mem`,
        inMemoryBlockOnConsumed: BLOCKED_LIMIT + 1,
        inMemoryBlockDurationSeconds: BLOCKED_WINDOW_SECONDS,
      }),
      throttlerStorageRedis(NAMES.throttler, throttlerClient, {
        limit: BLOCKED_LIMIT,
        ttlMs: BLOCKED_WINDOW_SECONDS * 1000,
        blockDurationMs: BLOCKED_WINDOW_SECONDS * 1000,
        keyPrefix: `${prefix}throttler:`,
        throttlerName: 'default',
      }),
    ];

    // Block the key: the first consume is admitted, the second refused.
    for (const limiter of limiters) {
      const first = await limiter.check(key);
      const second = await limiter.check(key);
      if (!first || second)
        throw new Error(
          `${limiter.name}: consuming "${key}" twice gave ${first}/${second}, expected admitted/refused`,
        );
    }
    await expectAll(limiters, [key], false, 'before measuring');
    const trafficBefore = new Map<string, string>();
    for (const limiter of limiters)
      trafficBefore.set(
        limiter.name,
        formatCommandCount(await commandsPerChecks(commands, limiter, key, TRAFFIC_CHECKS, false)),
      );

    process.stderr.write('rate-limit: blocked-key checks\n');
    // The runner's own ceiling for a call that settles without I/O, for scale (no limiter at all).
    const floor: Limiter = { name: NAMES.floor, check: () => Promise.resolve(false) };
    const results = await measureAll(
      [...limiters, floor].map((l) => blockedCase(l, key)),
      measure,
    );
    await expectAll(limiters, [key], false, 'after measuring');
    const trafficAfter = new Map<string, string>();
    for (const limiter of limiters)
      trafficAfter.set(
        limiter.name,
        formatCommandCount(await commandsPerChecks(commands, limiter, key, TRAFFIC_CHECKS, false)),
      );

    line();
    line(
      'checked before and after measuring: every system refuses the key (and every measured call was refused)',
    );
    line(
      `Redis commands per ${TRAFFIC_CHECKS.toLocaleString('en-US')} blocked checks (INFO commandstats delta, commands inside scripts included), before / after measuring:`,
    );
    table(
      ['system', 'before', 'after'],
      limiters.map((l) => [l.name, trafficBefore.get(l.name)!, trafficAfter.get(l.name)!]),
      ['l', 'l', 'l'],
    );
    line();
    measurementTable(results);
    const by = byName(results);
    const anchor = faster(by(NAMES.rlf), by(NAMES.throttler));
    line();
    ratios(by(NAMES.storeBlocked), [by(NAMES.rlf), by(NAMES.throttler), by(NAMES.rlfInMemory)]);
    ratios(by(NAMES.storeBlocked), [by(NAMES.floor)]);
    line(
      `faster anchor (plain configuration): ${anchor.name}; ${NAMES.rlfInMemory} is shown for reference (an opt-in that answers in process too)`,
    );
    goals([
      {
        label: `blocked-key checks ≥ ${formatRatio(BLOCKED_GOAL)} ${anchor.name}`,
        subject: by(NAMES.storeBlocked),
        anchor,
        min: BLOCKED_GOAL,
      },
    ]);
    const vsInMemory = by(NAMES.storeBlocked).opsPerSec / by(NAMES.rlfInMemory).opsPerSec;
    line(
      `(for honesty, not a goal) blocked-key checks vs ${NAMES.rlfInMemory}: ${formatRatio(vsInMemory)}; ` +
        `the floor row is the runner's ceiling for a call without I/O (the same wrapper around Promise.resolve(false)), no limiter`,
    );
  });
}

/** Checks the blocked key; an admission fails the round. */
function blockedCase(limiter: Limiter, key: string): BenchCase {
  const fail = (): never => {
    throw new Error(`${limiter.name}: admitted the blocked key "${key}"`);
  };
  return {
    name: limiter.name,
    op: yieldingOp(() => limiter.check(key).then((allowed) => (allowed ? fail() : false))),
  };
}

// ---------------------------------------------------------------------------------------------

/** Fails loudly unless every limiter gives `expected` for every key. */
async function expectAll(
  limiters: Limiter[],
  keys: string[],
  expected: boolean,
  when: string,
): Promise<void> {
  for (const limiter of limiters) {
    const answers = await Promise.all(keys.map((key) => limiter.check(key)));
    const wrong = keys.filter((_, i) => answers[i] !== expected);
    if (wrong.length > 0) {
      throw new Error(
        `${limiter.name} ${when}: ${expected ? 'refused' : 'admitted'} ${wrong.length} of ${keys.length} keys (first: "${wrong[0]}")`,
      );
    }
  }
}

function byName(results: Measurement[]): (name: string) => Measurement {
  return (name) => {
    const found = results.find((m) => m.name === name);
    if (!found) throw new Error(`no measurement named ${name}`);
    return found;
  };
}

/** The anchor with the higher median (a failed one never counts as the faster). */
function faster(a: Measurement, b: Measurement): Measurement {
  if (!Number.isFinite(b.opsPerSec)) return a;
  if (!Number.isFinite(a.opsPerSec)) return b;
  return a.opsPerSec >= b.opsPerSec ? a : b;
}
