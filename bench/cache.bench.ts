/**
 * Cache suite (issue 3, "Benchmark"), in one process run:
 *
 * 1. In process: an L1 hit of nestjs-store (`get` and `getOrSet`) against bentocache's L1 (L1
 *    memory + L2 redis) and cache-manager 7 tiered (Keyv Map + Keyv redis), 100 concurrent callers
 *    with the shared runner, plus the single-caller latency of each. Every system is checked to
 *    return the value, without a Redis round trip, before and after it is measured.
 *    Goal: nestjs-store L1 hit ≥ 10x bentocache L1 hit.
 * 2. HTTP: Express Nest apps in this process serving `GET /users/:id` (a 2 ms handler returning
 *    ~300 bytes of JSON) behind nestjs-store `@Cacheable` (without L1, and with `l1: true`),
 *    behind `@nestjs/cache-manager`'s `CacheInterceptor` (Keyv + `@keyv/redis`), and uncached,
 *    loaded one at a time by autocannon (100 connections, no pipelining), rounds interleaved.
 *    Goal: nestjs-store hit ≥ 1.1x `CacheInterceptor` (both on Redis, no L1).
 *
 * Settings besides the runner's: BENCH_HTTP_SECONDS (round length, default 5),
 * BENCH_HTTP_WARMUP_SECONDS (2), BENCH_HTTP_WORKERS (autocannon worker threads, default 1;
 * 0 = the load generator shares the servers' event loop).
 */
import { Redis } from 'ioredis';
import type { StoreService } from '../lib/index.js';
import {
  HTTP_NAMES,
  HTTP_TTL_SECONDS,
  cacheManagerApp,
  plainApp,
  storeApp,
  storeFeatureApp,
  userFor,
  type HttpApp,
} from './cache/http-apps.js';
import { measureHttp, type HttpLoadOptions, type HttpMeasurement } from './cache/http-load.js';
import {
  L1_MAX_ENTRIES,
  L1_NAMES,
  PRELOAD_TTL_SECONDS,
  bentocacheL1,
  cacheManagerTiered,
  mapFloor,
  nestjsStoreL1,
  storeGet,
  storeGetOrSet,
  type L1System,
} from './cache/l1-systems.js';
import { YIELD_EVERY, yieldingOp } from './cache/yielding-op.js';
import { VALUE } from './core.bench.js';
import type { BenchContext } from './lib/context.js';
import { measureAll, type BenchCase, type Measurement } from './lib/measure.js';
import { deleteByPrefix } from './lib/redis-target.js';
import { packageVersion } from './lib/versions.js';
import {
  formatOps,
  formatRatio,
  formatUs,
  goals,
  heading,
  line,
  measurementTable,
  ratios,
  subheading,
  table,
} from './lib/report.js';

const KEY_PREFIX = 'bench:cache:';
/** Keyv and bentocache put their own namespace in front of the keys they are given. */
const CLEANUP_PATTERN = `*${KEY_PREFIX}`;
const VALUE_JSON = JSON.stringify(VALUE);
/** Reads per Redis-traffic check; an L1 hit sends nothing, so a handful of commands at most. */
const TRAFFIC_READS = 1000;
const TRAFFIC_MAX_COMMANDS = 20;

export async function cacheSuite(ctx: BenchContext): Promise<void> {
  heading('cache: L1 hit in process, and a cached HTTP route');
  try {
    // BENCH_CACHE_PART=l1 or =http runs one part only.
    const part = process.env.BENCH_CACHE_PART;
    if (part !== 'http') await l1Part(ctx);
    if (part !== 'l1') await httpPart(ctx);
  } finally {
    await deleteByPrefix(ctx.redis.url, CLEANUP_PATTERN).catch((error: unknown) =>
      process.stderr.write(`cache: cleanup failed: ${String(error)}\n`),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// 1. L1 hit in process
// ---------------------------------------------------------------------------------------------

async function l1Part(ctx: BenchContext): Promise<void> {
  const url = ctx.redis.url;
  const prefix = `${KEY_PREFIX}l1:`;
  const systems: L1System[] = [];
  const closers: Array<() => Promise<void>> = [];
  const commands = new Redis(url, { maxRetriesPerRequest: 1 });
  subheading('L1 hit (in process)');
  line(
    `value: ${Buffer.byteLength(VALUE_JSON)}-byte JSON object, preloaded with a ${PRELOAD_TTL_SECONDS} s TTL through each system's own API; ` +
      `${ctx.measure.concurrency} concurrent callers; warm-up ${ctx.measure.warmupMs / 1000} s, ${ctx.measure.rounds} rounds of ` +
      `${ctx.measure.durationMs / 1000} s, median; rounds interleaved across systems`,
  );
  line(
    `nestjs-store: StoreModule.forRoot({ redis, l1: { maxEntries: ${L1_MAX_ENTRIES}, ttl: '5m' } }), preloaded with getOrSet; ` +
      `get(key) and getOrSet(key, loader, { ttl: ${PRELOAD_TTL_SECONDS} }) measured separately`,
  );
  line(
    `bentocache: bentostore().useL1Layer(memoryDriver({ maxItems: ${L1_MAX_ENTRIES}, maxSize: 64 MB })).useL2Layer(redisDriver(...)), no bus; get({ key })`,
  );
  line(
    `cache-manager: createCache({ stores: [new Keyv() (in-memory Map), new Keyv({ store: new KeyvRedis(url) })] }); get(key) (tier-1 hit)`,
  );
  line(
    `an L1 hit settles without I/O: every case lets the event loop turn once per ${YIELD_EVERY.toLocaleString('en-US')} calls (same wrapper for all); ` +
      `with ${ctx.measure.concurrency} callers a call's latency includes the turns of the other callers, the single-caller table shows one read's own cost`,
  );
  try {
    const nest = await nestjsStoreL1(url, prefix);
    closers.push(nest.close);
    const store: StoreService = nest.store;
    systems.push(storeGet(store, 'store-get'));
    systems.push(storeGetOrSet(store, 'store-getorset'));
    systems.push(bentocacheL1(url, `${prefix}bentocache`));
    systems.push(cacheManagerTiered(url, `${prefix}cache-manager`));
    systems.push(mapFloor(`${prefix}map`));

    for (const system of systems) await system.preload();
    const trafficBefore: Record<string, number> = {};
    for (const system of systems) {
      await checkHit(system);
      trafficBefore[system.name] = await redisCommandsPerReads(commands, system);
    }

    process.stderr.write('cache: L1 hit, 100 callers\n');
    const results = await measureAll(
      systems.map((s): BenchCase => ({ name: s.name, op: yieldingOp(() => s.read()) })),
      ctx.measure,
    );
    process.stderr.write('cache: L1 hit, 1 caller (latency)\n');
    const single = await measureAll(
      systems.map((s): BenchCase => ({ name: s.name, op: yieldingOp(() => s.read()) })),
      { ...ctx.measure, concurrency: 1, rounds: 1, warmupMs: 200, durationMs: 1000 },
    );
    const trafficAfter: Record<string, number> = {};
    for (const system of systems) {
      await checkHit(system);
      trafficAfter[system.name] = await redisCommandsPerReads(commands, system);
    }

    line();
    line(
      `checked before and after measuring: every read returns the value; Redis commands per ${TRAFFIC_READS} reads ` +
        `(an L1 hit sends none): ${systems.map((s) => `${s.name} ${trafficBefore[s.name]} / ${trafficAfter[s.name]}`).join('; ')}`,
    );
    line();
    measurementTable(results);
    line();
    line('single caller (latency of one read, no queueing behind other callers):');
    table(
      ['system', 'ops/s', 'p50', 'p99'],
      single.map((m) => [
        m.name,
        m.error ? 'FAILED' : formatOps(m.opsPerSec),
        formatUs(m.p50Us),
        formatUs(m.p99Us),
      ]),
    );
    for (const m of single) if (m.error) line(`  ! ${m.name}: ${m.error}`);

    const by = (name: string): Measurement => results.find((m) => m.name === name)!;
    const competitors = [by(L1_NAMES.bento), by(L1_NAMES.cacheManager)];
    line();
    ratios(by(L1_NAMES.storeGet), [...competitors, by(L1_NAMES.map)]);
    ratios(by(L1_NAMES.storeGetOrSet), competitors);
    line();
    goals([
      {
        label: `L1 get ≥ 10.00x ${L1_NAMES.bento}`,
        subject: by(L1_NAMES.storeGet),
        anchor: by(L1_NAMES.bento),
        min: 10,
      },
      {
        label: `L1 getOrSet ≥ 10.00x ${L1_NAMES.bento}`,
        subject: by(L1_NAMES.storeGetOrSet),
        anchor: by(L1_NAMES.bento),
        min: 10,
      },
    ]);
  } finally {
    commands.disconnect();
    const closing = await Promise.allSettled([
      ...systems.map((s) => s.close()),
      ...closers.map((close) => close()),
    ]);
    for (const r of closing)
      if (r.status === 'rejected')
        process.stderr.write(`cache: closing an L1 system failed: ${String(r.reason)}\n`);
  }
}

/** Fails loudly unless the read returns the preloaded value (a fast miss is no result). */
async function checkHit(system: L1System): Promise<void> {
  const got = await system.read();
  const json = JSON.stringify(got);
  if (json !== VALUE_JSON) {
    throw new Error(
      `${system.name}: read returned ${json === undefined ? String(got) : json.slice(0, 120)}, not the preloaded value`,
    );
  }
}

/** Redis commands processed while the system serves `TRAFFIC_READS` reads; fails if the reads reach Redis. */
async function redisCommandsPerReads(commands: Redis, system: L1System): Promise<number> {
  const processed = async (): Promise<number> =>
    Number(/total_commands_processed:(\d+)/.exec(await commands.info('stats'))?.[1] ?? NaN);
  const before = await processed();
  for (let i = 0; i < TRAFFIC_READS; i++) await system.read();
  const sent = (await processed()) - before - 1; // minus the INFO itself
  if (!(sent <= TRAFFIC_MAX_COMMANDS)) {
    throw new Error(
      `${system.name}: ${sent} Redis commands for ${TRAFFIC_READS} reads: these are not L1 hits`,
    );
  }
  return sent;
}

// ---------------------------------------------------------------------------------------------
// 2. HTTP
// ---------------------------------------------------------------------------------------------

function httpOptions(ctx: BenchContext): HttpLoadOptions {
  return {
    connections: ctx.measure.concurrency,
    durationMs: envSeconds('BENCH_HTTP_SECONDS', 5) * 1000,
    warmupMs: envSeconds('BENCH_HTTP_WARMUP_SECONDS', 2) * 1000,
    rounds: ctx.measure.rounds,
    workers: envCount('BENCH_HTTP_WORKERS', 1),
  };
}

async function httpPart(ctx: BenchContext): Promise<void> {
  const url = ctx.redis.url;
  const options = httpOptions(ctx);
  const apps: HttpApp[] = [];
  subheading('HTTP: GET /users/:id (2 ms handler, ~300-byte JSON), Express');
  line(
    `autocannon ${packageVersion('autocannon')}, @nestjs/cache-manager ${packageVersion('@nestjs/cache-manager')}, ` +
      `@nestjs/platform-express ${packageVersion('@nestjs/platform-express')}; all apps in this process, each on its own 127.0.0.1 port`,
  );
  line(
    `autocannon: ${options.connections} connections, pipelining 1, warm-up ${options.warmupMs / 1000} s per app, ` +
      `${options.rounds} rounds of ${options.durationMs / 1000} s per app, one app loaded at a time, rounds interleaved, median req/s; ` +
      `latency of the median round`,
  );
  line(
    `nestjs-store: @Cacheable({ ttl: ${HTTP_TTL_SECONDS} }) on StoreModule.forRoot({ redis }) (no L1: Redis vs Redis), and with l1: true; ` +
      `@nestjs/cache-manager: CacheModule.register({ stores: [new KeyvRedis(url)] }) + @UseInterceptors(CacheInterceptor) + @CacheTTL(${HTTP_TTL_SECONDS * 1000})`,
  );
  line(
    `the servers, autocannon (${options.workers > 0 ? `${options.workers} worker thread${options.workers > 1 ? 's' : ''} of this process` : "on the servers' event loop"}) ` +
      `and redis-server share this machine's CPU cores: the figures are lower than on a dedicated load generator, compare the ratios`,
  );
  try {
    apps.push(await storeApp(url, `${KEY_PREFIX}http:store:`, false));
    apps.push(await storeApp(url, `${KEY_PREFIX}http:store-l1:`, true));
    apps.push(await storeFeatureApp(url, `${KEY_PREFIX}http:store-feature:`));
    apps.push(await cacheManagerApp(url, `${KEY_PREFIX}http:cache-manager`));
    apps.push(await plainApp());

    process.stderr.write('cache: HTTP\n');
    const results = await measureHttp(
      apps.map((app) => ({
        app,
        cached: app.name !== HTTP_NAMES.none,
        expectedBody: (id: number) => JSON.stringify(userFor(id)),
      })),
      options,
    );
    line();
    httpTable(results, options.workers);

    const by = (name: string): HttpMeasurement => results.find((m) => m.name === name)!;
    const store = by(HTTP_NAMES.store);
    const storeL1 = by(HTTP_NAMES.storeL1);
    const storeFeature = by(HTTP_NAMES.storeFeature);
    const cacheManager = by(HTTP_NAMES.cacheManager);
    const none = by(HTTP_NAMES.none);
    line();
    ratios(store, [cacheManager, none]);
    ratios(storeL1, [cacheManager, none]);
    ratios(storeFeature, [store, cacheManager]);
    ratios(cacheManager, [none]);
    line(
      `server loop cost per response, ${HTTP_NAMES.cacheManager} / ${HTTP_NAMES.store}: ` +
        `${formatRatio(cacheManager.busyUsPerResponse / store.busyUsPerResponse)}; / ${HTTP_NAMES.storeL1}: ` +
        `${formatRatio(cacheManager.busyUsPerResponse / storeL1.busyUsPerResponse)} (above 1: nestjs-store costs the server less per request)`,
    );
    line();
    goals([
      {
        label: `HTTP hit ≥ 1.10x ${HTTP_NAMES.cacheManager}`,
        subject: store,
        anchor: cacheManager,
        min: 1.1,
      },
      {
        label: `HTTP hit (l1: true) ≥ 1.10x ${HTTP_NAMES.cacheManager}`,
        subject: storeL1,
        anchor: cacheManager,
        min: 1.1,
      },
      {
        label: `HTTP hit in a forFeature namespace ≥ 1.10x ${HTTP_NAMES.cacheManager}`,
        subject: storeFeature,
        anchor: cacheManager,
        min: 1.1,
      },
    ]);
  } finally {
    const closing = await Promise.allSettled(apps.map((app) => app.close()));
    closing.forEach((r, i) => {
      if (r.status === 'rejected')
        process.stderr.write(`cache: closing ${apps[i]!.name} failed: ${String(r.reason)}\n`);
    });
  }
}

function httpTable(results: HttpMeasurement[], workers: number): void {
  const workersNote = workers > 0 ? ')' : ', autocannon included: it runs on the same loop)';
  table(
    [
      'system',
      'req/s (median)',
      'rounds (k req/s)',
      'p50',
      'p99',
      'server loop µs/resp',
      'handler calls / responses per round',
      'X-Cache before/after rounds',
    ],
    results.map((m) => [
      m.name,
      m.error ? 'FAILED' : formatOps(m.opsPerSec),
      m.rounds.map((r) => (r / 1e3).toFixed(1)).join(' / ') || '-',
      formatUs(m.p50Us),
      formatUs(m.p99Us),
      Number.isFinite(m.busyUsPerResponse) ? m.busyUsPerResponse.toFixed(0) : 'n/a',
      m.perRound.map((r) => `${r.handlerCalls}/${r.total}`).join(', ') || '-',
      summarize(m.probes),
    ]),
  );
  for (const m of results) if (m.error) line(`  ! ${m.name}: ${m.error}`);
  line(
    '(all responses 2xx, no errors or timeouts; cached apps answered X-Cache: HIT before and after every round; ' +
      "handler calls during a round are misses; server loop µs/resp: time the servers' event loop was busy per response, median of the rounds" +
      `${workersNote}`,
  );
}

/** `['HIT', 'HIT', '-']` → `HIT x2, - x1`. */
function summarize(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${v} x${n}`).join(', ') || '-';
}

function envSeconds(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a whole number ≥ 0, got "${raw}"`);
  return value;
}
