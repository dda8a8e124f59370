/**
 * HTTP load with autocannon, one app at a time, rounds interleaved across apps (order rotated each
 * round), median req/s; latency of the median round.
 *
 * Hits are checked, not assumed:
 * - before each round the round's URL is primed until it answers `X-Cache: HIT` (cached apps), and
 *   it must still answer `HIT` with the expected body after the round;
 * - each app counts its handler calls: for a cached app, a call during a round is a miss, reported;
 * - every response must be 2xx (`non2xx === 0`) without connection errors, or the app is failed.
 * Each round reads a new id (`/users/1`, `/users/2`, ...), primed just before the round, so no entry
 * can reach its 60 s TTL while a round runs.
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import type { Measurement } from '../lib/measure.js';
import type { HttpApp } from './http-apps.js';

export interface HttpLoadOptions {
  connections: number;
  /** One measured round, ms (env `BENCH_HTTP_SECONDS`, default 5 s). */
  durationMs: number;
  /** Load before the first round, ms (env `BENCH_HTTP_WARMUP_SECONDS`, default 2 s). */
  warmupMs: number;
  rounds: number;
  /** autocannon worker threads; 0 runs the load generator on the servers' own event loop. */
  workers: number;
}

export interface HttpRound {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  /** Handler calls during the round: misses for cached apps. */
  handlerCalls: number;
  /**
   * Time this (the servers') event loop was busy during the round, per response, in µs: the
   * server's own cost of a request, less sensitive to what else runs on the machine than req/s
   * (it includes the load generator only when autocannon runs without worker threads).
   */
  busyUsPerResponse: number;
}

export interface HttpMeasurement extends Measurement {
  /** Whether the app is expected to answer `X-Cache: HIT`. */
  cached: boolean;
  perRound: HttpRound[];
  /** Responses checked outside the load (priming and after each round): `X-Cache` values seen. */
  probes: string[];
  /** Median over the rounds of `HttpRound.busyUsPerResponse` (NaN if no round). */
  busyUsPerResponse: number;
}

export interface HttpCase {
  app: HttpApp;
  cached: boolean;
  /** Body expected for `/users/<id>`. */
  expectedBody(id: number): string;
}

interface Probe {
  status: number;
  xCache: string;
  body: string;
}

async function probe(url: string): Promise<Probe> {
  const response = await fetch(url, { headers: { connection: 'close' } });
  const body = await response.text();
  return { status: response.status, xCache: response.headers.get('x-cache') ?? '-', body };
}

/** Requests `url` until it is served as a cache hit with the expected body (the first request loads it). */
async function prime(c: HttpCase, url: string, expected: string): Promise<Probe> {
  let last: Probe | undefined;
  for (let attempt = 0; attempt < 50; attempt++) {
    last = await probe(url);
    if (last.status !== 200) throw new Error(`${c.app.name}: GET ${url} answered ${last.status}`);
    if (last.body !== expected)
      throw new Error(
        `${c.app.name}: GET ${url} returned an unexpected body: ${last.body.slice(0, 120)}`,
      );
    if (!c.cached || last.xCache === 'HIT') return last;
    await new Promise((resolve) => setTimeout(resolve, 20)); // CacheInterceptor writes after answering
  }
  throw new Error(`${c.app.name}: GET ${url} never answered X-Cache: HIT (last: ${last?.xCache})`);
}

async function load(
  url: string,
  durationMs: number,
  options: HttpLoadOptions,
): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections: options.connections,
    duration: durationMs / 1000,
    pipelining: 1,
    ...(options.workers > 0 ? { workers: options.workers } : {}),
  });
}

function checkLoad(name: string, result: autocannon.Result): void {
  if (result.non2xx !== 0 || result.errors !== 0 || result.timeouts !== 0) {
    throw new Error(
      `${name}: ${result.non2xx} non-2xx responses, ${result.errors} errors, ${result.timeouts} timeouts out of ${result.requests.total}`,
    );
  }
  if (result.requests.total === 0) throw new Error(`${name}: no response at all`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function measureHttp(
  cases: HttpCase[],
  options: HttpLoadOptions,
  onProgress: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<HttpMeasurement[]> {
  const state = cases.map((c) => ({
    case: c,
    rounds: [] as HttpRound[],
    probes: [] as string[],
    error: undefined as string | undefined,
  }));

  // Warm-up: load id 0 (primed first, so cached apps serve hits) to get every path JIT-compiled.
  for (const s of state) {
    try {
      const url = `${s.case.app.url}/users/0`;
      s.probes.push((await prime(s.case, url, s.case.expectedBody(0))).xCache);
      checkLoad(`${s.case.app.name} warm-up`, await load(url, options.warmupMs, options));
    } catch (error) {
      s.error = describe(error);
      onProgress(`  ${s.case.app.name}: warm-up failed: ${s.error}`);
    }
  }

  for (let r = 0; r < options.rounds; r++) {
    const id = r + 1;
    for (let i = 0; i < state.length; i++) {
      const s = state[(i + r) % state.length]!;
      if (s.error) continue;
      const { app } = s.case;
      const url = `${app.url}/users/${id}`;
      try {
        s.probes.push((await prime(s.case, url, s.case.expectedBody(id))).xCache);
        const callsBefore = app.handlerCalls();
        const elu = performance.eventLoopUtilization();
        const result = await load(url, options.durationMs, options);
        const busyMs = performance.eventLoopUtilization(elu).active;
        const handlerCalls = app.handlerCalls() - callsBefore;
        checkLoad(`${app.name} round ${id}`, result);
        const after = await probe(url);
        s.probes.push(after.xCache);
        if (after.status !== 200 || after.body !== s.case.expectedBody(id))
          throw new Error(
            `${app.name}: GET ${url} after the round answered ${after.status} ${after.body.slice(0, 80)}`,
          );
        if (s.case.cached && after.xCache !== 'HIT')
          throw new Error(
            `${app.name}: GET ${url} after the round answered X-Cache: ${after.xCache}, not HIT`,
          );
        const round: HttpRound = {
          reqPerSec: result.requests.average,
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          total: result.requests.total,
          handlerCalls,
          busyUsPerResponse: (busyMs * 1000) / result.requests.total,
        };
        s.rounds.push(round);
        onProgress(
          `  round ${id}/${options.rounds}  ${app.name.padEnd(40)} ${Math.round(round.reqPerSec).toLocaleString('en-US')} req/s, handler calls ${handlerCalls}, server loop busy ${round.busyUsPerResponse.toFixed(0)} µs/response`,
        );
      } catch (error) {
        s.error = describe(error);
        onProgress(`  ${app.name}: round ${id} failed: ${s.error}`);
      }
    }
  }

  return state.map((s): HttpMeasurement => {
    const base = {
      name: s.case.app.name,
      cached: s.case.cached,
      perRound: s.rounds,
      probes: s.probes,
      rounds: s.rounds.map((x) => x.reqPerSec),
      busyUsPerResponse:
        s.rounds.length > 0 ? median(s.rounds.map((x) => x.busyUsPerResponse)) : NaN,
    };
    if (s.error || s.rounds.length === 0)
      return { ...base, opsPerSec: NaN, p50Us: NaN, p99Us: NaN, error: s.error ?? 'no rounds' };
    const opsPerSec = median(s.rounds.map((x) => x.reqPerSec));
    const mid = s.rounds.reduce((best, x) =>
      Math.abs(x.reqPerSec - opsPerSec) < Math.abs(best.reqPerSec - opsPerSec) ? x : best,
    );
    return { ...base, opsPerSec, p50Us: mid.p50Ms * 1000, p99Us: mid.p99Ms * 1000 };
  });
}
