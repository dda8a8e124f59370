/**
 * Outage suite: what HTTP callers get while Redis is away, nestjs-store next to its anchors.
 *
 * Systems (each an Express Nest app in this process with its OWN private redis-server, so
 * stopping one server touches no other system; the systems run one after the other):
 * - cache: `GET /items/:id` behind nestjs-store `@Cacheable({ ttl: 60 })`
 *   (`StoreModule.forRoot({ redis, commandTimeout: 1000 })`) and behind `@nestjs/cache-manager`'s
 *   `CacheInterceptor` with Keyv + `@keyv/redis` (`CacheModule.register({ stores: [new KeyvRedis(url)] })`);
 * - rate limit: the same route behind nestjs-store `@RateLimit({ failure: 'open' })` and behind
 *   `@nestjs/throttler`'s `ThrottlerGuard` with `@nest-lab/throttler-storage-redis` (`new Redis(url)`),
 *   both with a limit no test reaches.
 * The handler answers a small JSON at once (no delay).
 *
 * Per system, one autocannon run (in this process, 20 connections, 20 ids in turn, 10 s
 * request timeout) spans three phases: warm (2 s, Redis up; the 20 entries are cached before
 * it), outage (BENCH_OUTAGE_SECONDS, default 5: the server is frozen with SIGSTOP, or, in the
 * second scenario, killed with SIGKILL) and recovery (3 s after SIGCONT / the restart answered
 * PING). Every request is attributed to the phase in which it was SENT (its start time =
 * completion time - response time), so a request that hangs through the outage counts against the
 * outage, with its full latency. A request timing out counts as a timeout AND with a latency of the
 * timeout (10 s, a lower bound). Measured, not asserted.
 *
 * Settings: BENCH_OUTAGE_SECONDS (5), BENCH_OUTAGE_CONNECTIONS (20), BENCH_OUTAGE_SCENARIOS
 * (`freeze,kill`), BENCH_OUTAGE_SYSTEMS (`cache,rate-limit`).
 */
import {
  Controller,
  Get,
  Module,
  Param,
  UseGuards,
  UseInterceptors,
  type Type,
} from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CacheInterceptor, CacheModule, CacheTTL } from '@nestjs/cache-manager';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import KeyvRedis from '@keyv/redis';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { Cacheable, RateLimit, StoreModule } from '../lib/index.js';
import { startStandalone, type RedisServerHandle } from '../test/support/redis-servers.js';
import type { BenchContext } from './lib/context.js';
import { formatRatio, heading, keyValues, line, subheading, table } from './lib/report.js';
import { packageVersion } from './lib/versions.js';

const KEYS = 20;
const WARM_MS = 2_000;
const JIT_WARMUP_MS = 1_000;
const RECOVERY_MS = 3_000;
const REQUEST_TIMEOUT_S = 10;
const COMMAND_TIMEOUT_MS = 1_000;
const CLOSE_TIMEOUT_MS = 15_000;
/** A limit no run reaches: the rate-limit routes must answer 200 whenever they can count. */
const HUGE_LIMIT = 1_000_000_000;

type Scenario = 'freeze' | 'kill';
type Phase = 'warm' | 'outage' | 'recovery';
const PHASES: Phase[] = ['warm', 'outage', 'recovery'];

const NAMES = {
  storeCache: 'nestjs-store @Cacheable',
  cacheInterceptor: 'CacheInterceptor (Keyv + @keyv/redis)',
  storeRateLimit: "nestjs-store @RateLimit (failure 'open')",
  throttler: 'ThrottlerGuard + throttler-storage-redis',
} as const;

interface OutageApp {
  name: string;
  url: string;
  /** Whether the route caches (the 20 entries are primed before the warm phase). */
  cached: boolean;
  /** Connection errors the app's clients reported (printed once, counted). */
  clientErrors(): number;
  close(): Promise<void>;
}

type AppFactory = (redisUrl: string) => Promise<OutageApp>;

interface PhaseStats {
  /** Responses received (any status). */
  responses: number;
  ok2xx: number;
  non2xx: number;
  status5xx: number;
  timeouts: number;
  /** Connection errors other than timeouts. */
  errors: number;
  /** Latencies of responses and timeouts (the timeout value), ms. */
  latencies: number[];
}

interface SystemResult {
  name: string;
  phases: Record<Phase, PhaseStats> | undefined;
  /** Requests still unanswered when the load stopped (lost from every phase). */
  unanswered: number;
  clientErrors: number;
  error?: string;
}

// ---------------------------------------------------------------------------------------------
// Apps
// ---------------------------------------------------------------------------------------------

interface Item {
  id: string;
  name: string;
  ok: boolean;
}

function item(id: string): Item {
  return { id, name: `item ${id}`, ok: true };
}

async function listen(
  name: string,
  module: Type,
  cached: boolean,
  clientErrors: () => number,
  extraClose: () => Promise<void> = async () => undefined,
): Promise<OutageApp> {
  const app: INestApplication = await NestFactory.create(module, { logger: false });
  const close = async (): Promise<void> => {
    try {
      await app.close();
    } finally {
      await extraClose();
    }
  };
  try {
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return { name, url, cached, clientErrors, close };
  } catch (error) {
    await close();
    throw error;
  }
}

const storeCacheApp: AppFactory = (redisUrl) => {
  @Controller('items')
  class ItemsController {
    @Get(':id')
    @Cacheable({ ttl: 60 })
    findOne(@Param('id') id: string): Item {
      return item(id);
    }
  }
  @Module({
    imports: [StoreModule.forRoot({ redis: redisUrl, commandTimeout: COMMAND_TIMEOUT_MS })],
    controllers: [ItemsController],
  })
  class StoreCacheOutageModule {}
  return listen(NAMES.storeCache, StoreCacheOutageModule, true, () => 0);
};

const cacheInterceptorApp: AppFactory = (redisUrl) => {
  let errors = 0;
  const adapter = new KeyvRedis(redisUrl);
  adapter.on('error', (error: unknown) => {
    if (errors++ === 0) process.stderr.write(`  KeyvRedis error (first): ${String(error)}\n`);
  });
  @Controller('items')
  class ItemsController {
    @Get(':id')
    @UseInterceptors(CacheInterceptor)
    @CacheTTL(60_000)
    findOne(@Param('id') id: string): Item {
      return item(id);
    }
  }
  @Module({
    imports: [CacheModule.register({ stores: [adapter], namespace: 'outage' })],
    controllers: [ItemsController],
  })
  class CacheInterceptorOutageModule {}
  return listen(NAMES.cacheInterceptor, CacheInterceptorOutageModule, true, () => errors);
};

const storeRateLimitApp: AppFactory = (redisUrl) => {
  @Controller('items')
  class ItemsController {
    @Get(':id')
    @RateLimit({ limit: HUGE_LIMIT, window: '1m', failure: 'open' })
    findOne(@Param('id') id: string): Item {
      return item(id);
    }
  }
  @Module({
    imports: [StoreModule.forRoot({ redis: redisUrl, commandTimeout: COMMAND_TIMEOUT_MS })],
    controllers: [ItemsController],
  })
  class StoreRateLimitOutageModule {}
  return listen(NAMES.storeRateLimit, StoreRateLimitOutageModule, false, () => 0);
};

const throttlerApp: AppFactory = (redisUrl) => {
  let errors = 0;
  // As the throttler-storage-redis README sets it up: a plain `new Redis(url)`, no options.
  const client = new Redis(redisUrl);
  client.on('error', (error: unknown) => {
    if (errors++ === 0)
      process.stderr.write(`  throttler ioredis error (first): ${String(error)}\n`);
  });
  @Controller('items')
  class ItemsController {
    @Get(':id')
    @UseGuards(ThrottlerGuard)
    findOne(@Param('id') id: string): Item {
      return item(id);
    }
  }
  @Module({
    imports: [
      ThrottlerModule.forRoot({
        throttlers: [{ ttl: 60_000, limit: HUGE_LIMIT }],
        storage: new ThrottlerStorageRedisService(client),
      }),
    ],
    controllers: [ItemsController],
  })
  class ThrottlerOutageModule {}
  // Given a client, the storage never disconnects it.
  return listen(
    NAMES.throttler,
    ThrottlerOutageModule,
    false,
    () => errors,
    async () => {
      client.disconnect();
    },
  );
};

// ---------------------------------------------------------------------------------------------
// Load and phases
// ---------------------------------------------------------------------------------------------

function emptyStats(): PhaseStats {
  return { responses: 0, ok2xx: 0, non2xx: 0, status5xx: 0, timeouts: 0, errors: 0, latencies: [] };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Loads every id once (twice for a cache: CacheInterceptor writes after answering) with Redis up. */
async function prime(app: OutageApp): Promise<void> {
  for (let round = 0; round < (app.cached ? 2 : 1); round++) {
    for (let id = 0; id < KEYS; id++) {
      const response = await withTimeout(
        fetch(`${app.url}/items/${id}`, { headers: { connection: 'close' } }),
        5_000,
        `${app.name} priming`,
      );
      await response.text();
      if (response.status !== 200)
        throw new Error(`${app.name}: priming /items/${id} answered ${response.status}`);
    }
    if (app.cached) await sleep(50);
  }
  if (app.cached) {
    const check = await fetch(`${app.url}/items/0`, { headers: { connection: 'close' } });
    await check.text();
    const xCache = check.headers.get('x-cache');
    if (xCache !== null && xCache !== 'HIT')
      process.stderr.write(`  ${app.name}: after priming, X-Cache is ${xCache}\n`);
  }
}

interface OutageControl {
  /** Called at the start of the outage phase. */
  begin(): Promise<void>;
  /** Called at its end; resolves when Redis is back (answers PING for a restart). */
  end(): Promise<void>;
}

function control(server: RedisServerHandle, scenario: Scenario): OutageControl {
  if (scenario === 'freeze') {
    return {
      begin: async () => {
        process.kill(server.pid, 'SIGSTOP');
      },
      end: async () => {
        process.kill(server.pid, 'SIGCONT');
      },
    };
  }
  return { begin: () => server.kill(), end: () => server.restart() };
}

async function runPhases(
  app: OutageApp,
  outage: OutageControl,
  outageMs: number,
  connections: number,
): Promise<{ phases: Record<Phase, PhaseStats>; unanswered: number }> {
  const phases: Record<Phase, PhaseStats> = {
    warm: emptyStats(),
    outage: emptyStats(),
    recovery: emptyStats(),
  };
  // Phase boundaries, in performance.now() ms; set as the phases start.
  const starts: Record<Phase, number> = { warm: Infinity, outage: Infinity, recovery: Infinity };
  const phaseAt = (t: number): Phase =>
    t >= starts.recovery ? 'recovery' : t >= starts.outage ? 'outage' : 'warm';

  const requests = Array.from({ length: KEYS }, (_, id) => ({
    method: 'GET' as const,
    path: `/items/${id}`,
  }));
  let resolveDone: (result: autocannon.Result) => void = () => undefined;
  let rejectDone: (error: unknown) => void = () => undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const instance = autocannon(
    {
      url: app.url,
      connections,
      pipelining: 1,
      timeout: REQUEST_TIMEOUT_S,
      // Stopped by hand after the recovery phase.
      duration: 3_600,
      requests,
    },
    (error: unknown, result: autocannon.Result) =>
      error ? rejectDone(error) : resolveDone(result),
  );
  let responded = 0;
  let failed = 0;
  instance.on('response', ((_client: unknown, status: number, _bytes: number, ms: number) => {
    responded++;
    const s = phases[phaseAt(performance.now() - ms)];
    s.responses++;
    s.latencies.push(ms);
    if (status >= 200 && status < 300) s.ok2xx++;
    else s.non2xx++;
    if (status >= 500) s.status5xx++;
  }) as never);
  instance.on('reqError', (error: unknown) => {
    failed++;
    const timedOut = error instanceof Error && error.message === 'request timed out';
    if (timedOut) {
      const s = phases[phaseAt(performance.now() - REQUEST_TIMEOUT_S * 1000)];
      s.timeouts++;
      s.latencies.push(REQUEST_TIMEOUT_S * 1000);
    } else {
      phases[phaseAt(performance.now())].errors++;
    }
  });

  let outageBegun = false;
  let outageEnded = false;
  try {
    starts.warm = performance.now();
    await sleep(WARM_MS);
    starts.outage = performance.now();
    outageBegun = true;
    await outage.begin();
    await sleep(outageMs);
    outageEnded = true;
    await outage.end();
    starts.recovery = performance.now();
    await sleep(RECOVERY_MS);
  } finally {
    if (outageBegun && !outageEnded) await outage.end().catch(() => undefined);
    instance.stop();
  }
  const result = await withTimeout(done, 15_000, `${app.name} load stop`);
  return { phases, unanswered: Math.max(0, result.requests.sent - responded - failed) };
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`;
}

function maxOf(values: number[]): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  return values.length > 0 ? max : NaN;
}

function printScenario(
  scenario: Scenario,
  outageMs: number,
  connections: number,
  results: SystemResult[],
): void {
  subheading(
    scenario === 'freeze'
      ? `Redis frozen (SIGSTOP) for ${outageMs / 1000} s, then SIGCONT`
      : `Redis killed (SIGKILL) for ${outageMs / 1000} s, then restarted`,
  );
  const rows: string[][] = [];
  for (const r of results) {
    if (!r.phases) {
      rows.push([r.name, 'failed', r.error ?? '', '', '', '', '', '', '', '', '']);
      continue;
    }
    for (const phase of PHASES) {
      const s = r.phases[phase];
      const sorted = [...s.latencies].sort((a, b) => a - b);
      rows.push([
        phase === 'warm' ? r.name : '',
        phase,
        String(s.responses),
        String(s.ok2xx),
        String(s.non2xx),
        String(s.status5xx),
        String(s.timeouts),
        String(s.errors),
        ms(percentile(sorted, 0.5)),
        ms(percentile(sorted, 0.99)),
        ms(maxOf(sorted)),
      ]);
    }
  }
  table(
    [
      'system',
      'phase',
      'responses',
      '2xx',
      'non-2xx',
      '5xx',
      'timeouts',
      'errors',
      'p50',
      'p99',
      'max',
    ],
    rows,
    ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
  for (const r of results) {
    if (r.error && r.phases) line(`${r.name}: ${r.error}`);
    if (r.phases && r.clientErrors > 0)
      line(`${r.name}: ${r.clientErrors} Redis client error event(s) in the app`);
    // One request per connection is in flight when the load stops; more means requests hung.
    if (r.phases && r.unanswered > connections)
      line(`${r.name}: ${r.unanswered} request(s) unanswered when the load stopped`);
  }
  line();
  const pairs: Array<[string, string, string]> = [
    [NAMES.storeCache, NAMES.cacheInterceptor, 'nestjs-store / CacheInterceptor'],
    [NAMES.storeRateLimit, NAMES.throttler, 'nestjs-store / ThrottlerGuard'],
  ];
  const ratioRows: Array<[string, string]> = [];
  for (const [subjectName, anchorName, label] of pairs) {
    const subject = results.find((r) => r.name === subjectName)?.phases?.outage;
    const anchor = results.find((r) => r.name === anchorName)?.phases?.outage;
    if (!subject || !anchor) continue;
    const [a, b] = label.split(' / ') as [string, string];
    ratioRows.push(
      [`${a} / ${b} 2xx requests during outage`, formatRatio(subject.ok2xx / anchor.ok2xx)],
      [
        `${b} / ${a} max latency during outage`,
        formatRatio(maxOf(anchor.latencies) / maxOf(subject.latencies)),
      ],
      [`${a} 5xx during outage`, String(subject.status5xx)],
      [`${b} 5xx during outage`, String(anchor.status5xx)],
      [`${a} timeouts during outage`, String(subject.timeouts)],
      [`${b} timeouts during outage`, String(anchor.timeouts)],
    );
  }
  if (ratioRows.length > 0) keyValues(ratioRows);
  line(
    `(a request held until Redis answers again shows a max latency near the outage length, ${outageMs / 1000} s, or the ${REQUEST_TIMEOUT_S} s timeout: the max-latency ratio grows with the outage)`,
  );
}

// ---------------------------------------------------------------------------------------------
// Suite
// ---------------------------------------------------------------------------------------------

function envSeconds(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function envList<T extends string>(name: string, allowed: readonly T[]): T[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return [...allowed];
  const list = raw.split(',').map((x) => x.trim()) as T[];
  const unknown = list.filter((x) => !allowed.includes(x));
  if (unknown.length > 0)
    throw new Error(`${name}: unknown ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`);
  return list;
}

async function runSystem(
  name: string,
  factory: AppFactory,
  scenario: Scenario,
  outageMs: number,
  connections: number,
): Promise<SystemResult> {
  process.stderr.write(`  ${scenario}: ${name}\n`);
  let server: RedisServerHandle | undefined;
  let app: OutageApp | undefined;
  let result: SystemResult = { name, phases: undefined, unanswered: 0, clientErrors: 0 };
  try {
    server = await startStandalone();
    app = await factory(server.url);
    await prime(app);
    // Unrecorded load first, so the measured warm phase does not pay for JIT compilation.
    await autocannon({ url: `${app.url}/items/0`, connections, duration: JIT_WARMUP_MS / 1000 });
    const { phases, unanswered } = await runPhases(
      app,
      control(server, scenario),
      outageMs,
      connections,
    );
    result = { name, phases, unanswered, clientErrors: app.clientErrors() };
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    process.stderr.write(`  ${name}: failed: ${result.error}\n`);
  } finally {
    // Never leave a frozen server behind (SIGCONT to a running process is harmless).
    if (server) {
      try {
        process.kill(server.pid, 'SIGCONT');
      } catch {
        // not running (killed and not restarted)
      }
    }
    if (app) {
      await withTimeout(app.close(), CLOSE_TIMEOUT_MS, `${name} close`).catch((error: unknown) =>
        process.stderr.write(`  ${name}: close failed: ${String(error)}\n`),
      );
    }
    await server
      ?.stop()
      .catch((error: unknown) =>
        process.stderr.write(`  ${name}: redis-server stop failed: ${String(error)}\n`),
      );
  }
  return result;
}

export async function outageSuite(_ctx: BenchContext): Promise<void> {
  const outageMs = envSeconds('BENCH_OUTAGE_SECONDS', 5) * 1000;
  const connections = envSeconds('BENCH_OUTAGE_CONNECTIONS', 20);
  const scenarios = envList<Scenario>('BENCH_OUTAGE_SCENARIOS', ['freeze', 'kill']);
  const groups = envList('BENCH_OUTAGE_SYSTEMS', ['cache', 'rate-limit'] as const);

  const systems: Array<[string, AppFactory]> = [];
  if (groups.includes('cache'))
    systems.push([NAMES.storeCache, storeCacheApp], [NAMES.cacheInterceptor, cacheInterceptorApp]);
  if (groups.includes('rate-limit'))
    systems.push([NAMES.storeRateLimit, storeRateLimitApp], [NAMES.throttler, throttlerApp]);

  heading('outage: HTTP callers while Redis is away');
  keyValues([
    [
      'anchors',
      `@nestjs/cache-manager ${packageVersion('@nestjs/cache-manager')} + keyv ${packageVersion('keyv')} / @keyv/redis ${packageVersion('@keyv/redis')}; @nestjs/throttler ${packageVersion('@nestjs/throttler')} + @nest-lab/throttler-storage-redis ${packageVersion('@nest-lab/throttler-storage-redis')}`,
    ],
    [
      'nestjs-store',
      `StoreModule.forRoot({ redis, commandTimeout: ${COMMAND_TIMEOUT_MS} }), other options default`,
    ],
    [
      'load',
      `autocannon ${packageVersion('autocannon')} in process, ${connections} connections, ${KEYS} ids in turn, ${REQUEST_TIMEOUT_S} s request timeout`,
    ],
    [
      'phases',
      `1 s unrecorded JIT warm-up on one id, then warm ${WARM_MS / 1000} s, outage ${outageMs / 1000} s, recovery ${RECOVERY_MS / 1000} s; each system its own redis-server, one system at a time`,
    ],
    [
      'attribution',
      `a request counts in the phase it was sent in; a timeout counts with latency ${REQUEST_TIMEOUT_S} s (a lower bound)`,
    ],
  ]);

  for (const scenario of scenarios) {
    const results: SystemResult[] = [];
    for (const [name, factory] of systems)
      results.push(await runSystem(name, factory, scenario, outageMs, connections));
    printScenario(scenario, outageMs, connections, results);
  }
}
