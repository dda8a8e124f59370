/**
 * Closed-loop throughput runner shared by every suite.
 *
 * `concurrency` callers each loop `await op(worker)` until a deadline. A run is a 1 s warm-up
 * followed by `rounds` measured rounds of `seconds` each; the reported figure is the median
 * round. When several cases are compared (`measureAll`), their rounds are interleaved
 * (round 1 of every case, then round 2, ..., the order rotated each round) so slow drift of the
 * machine and position effects hit every case alike.
 *
 * Latency is sampled on every call with `process.hrtime.bigint()` into a preallocated ring buffer
 * (the last `latencySamples` calls of the median round); every case pays the same tiny cost.
 */

/** One operation under test. `worker` is the caller's index (0 … concurrency-1). */
export type Op = (worker: number) => Promise<unknown>;

export interface MeasureOptions {
  /** Concurrent callers. Default 100. */
  concurrency: number;
  /** Warm-up before the first round, in ms. Default 1 000. */
  warmupMs: number;
  /** Length of one measured round, in ms. Default 3 000 (env `BENCH_SECONDS`). */
  durationMs: number;
  /** Measured rounds; the median is reported. Default 3. */
  rounds: number;
  /** Latency ring size per round; 0 disables latency sampling. Default 262 144. */
  latencySamples: number;
}

export interface RoundResult {
  ops: number;
  elapsedMs: number;
  opsPerSec: number;
  /** Microseconds; NaN when sampling is off. */
  p50Us: number;
  p99Us: number;
}

export interface Measurement {
  name: string;
  /** Median of the rounds' ops/s. */
  opsPerSec: number;
  /** Every round's ops/s, in run order. */
  rounds: number[];
  /** Latency of the median round, in microseconds (NaN if not sampled). */
  p50Us: number;
  p99Us: number;
  /** Set when the case failed; the figures are then NaN. */
  error?: string;
}

export interface BenchCase {
  name: string;
  op: Op;
}

/**
 * Defaults, with `BENCH_SECONDS`, `BENCH_ROUNDS`, `BENCH_CONCURRENCY`, `BENCH_WARMUP_SECONDS` from the
 * environment; `BENCH_LATENCY=0` turns latency sampling off.
 */
export function defaultMeasureOptions(overrides: Partial<MeasureOptions> = {}): MeasureOptions {
  return {
    concurrency: envNumber('BENCH_CONCURRENCY', 100),
    warmupMs: envNumber('BENCH_WARMUP_SECONDS', 1) * 1000,
    durationMs: envNumber('BENCH_SECONDS', 3) * 1000,
    rounds: envNumber('BENCH_ROUNDS', 3),
    latencySamples: process.env['BENCH_LATENCY'] === '0' ? 0 : 1 << 18,
    ...overrides,
  };
}

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

/** How long in-flight calls may take to settle after the deadline before the round is failed. */
const HANG_MS = 10_000;

/** Reused between rounds so sampling allocates nothing while measuring. */
let latencyRing: Float64Array | undefined;

function ringOf(size: number): Float64Array | undefined {
  if (size <= 0) return undefined;
  if (!latencyRing || latencyRing.length !== size) latencyRing = new Float64Array(size);
  return latencyRing;
}

/** Runs `op` with `concurrency` callers for `durationMs`; the first error aborts the round and is thrown. */
export async function runRound(
  op: Op,
  durationMs: number,
  concurrency: number,
  latencySamples: number,
): Promise<RoundResult> {
  const ring = ringOf(latencySamples);
  const mask = ring ? ring.length - 1 : 0;
  if (ring && (ring.length & mask) !== 0) throw new Error('latencySamples must be a power of two');
  let stop = false;
  let ops = 0;
  let cursor = 0;
  let failure: unknown;

  const caller = async (worker: number): Promise<void> => {
    try {
      if (ring) {
        while (!stop) {
          const t0 = process.hrtime.bigint();
          await op(worker);
          ring[cursor++ & mask] = Number(process.hrtime.bigint() - t0);
          ops++;
        }
      } else {
        while (!stop) {
          await op(worker);
          ops++;
        }
      }
    } catch (error) {
      if (!stop) failure = error;
      stop = true;
    }
  };

  const started = process.hrtime.bigint();
  const timer = setTimeout(() => (stop = true), durationMs);
  const callers: Promise<void>[] = new Array(concurrency);
  for (let i = 0; i < concurrency; i++) callers[i] = caller(i);
  // `ops` counts calls that completed; elapsed runs until the stop flag, so in-flight calls that
  // finish after it are counted against the time they actually took.
  let watchdog: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    watchdog = setTimeout(
      () => reject(new Error(`calls still pending ${HANG_MS} ms after the deadline`)),
      durationMs + HANG_MS,
    );
  });
  try {
    await Promise.race([Promise.all(callers), hung]);
  } finally {
    stop = true;
    clearTimeout(timer);
    clearTimeout(watchdog);
  }
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (failure !== undefined) throw failure;

  let p50Us = NaN;
  let p99Us = NaN;
  if (ring) {
    const n = Math.min(cursor, ring.length);
    const sorted = ring.slice(0, n).sort();
    p50Us = percentile(sorted, 0.5) / 1000;
    p99Us = percentile(sorted, 0.99) / 1000;
  }
  return { ops, elapsedMs, opsPerSec: (ops / elapsedMs) * 1000, p50Us, p99Us };
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Measures one case: warm-up, then `rounds` rounds, median. */
export async function measure(
  name: string,
  op: Op,
  options: MeasureOptions = defaultMeasureOptions(),
): Promise<Measurement> {
  const [result] = await measureAll([{ name, op }], options);
  return result!;
}

/**
 * Measures several cases side by side: each is warmed up, then rounds run interleaved.
 * A case that throws is reported with `error` and skipped from then on; the others go on.
 */
export async function measureAll(
  cases: BenchCase[],
  options: MeasureOptions = defaultMeasureOptions(),
  onProgress: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<Measurement[]> {
  const state = cases.map((c) => ({
    case: c,
    rounds: [] as RoundResult[],
    error: undefined as string | undefined,
  }));

  for (const s of state) {
    try {
      await runRound(s.case.op, options.warmupMs, options.concurrency, 0);
    } catch (error) {
      s.error = describe(error);
      onProgress(`  ${s.case.name}: warm-up failed: ${s.error}`);
    }
  }

  for (let r = 0; r < options.rounds; r++) {
    // Rotate the order each round so no case always runs right after the same neighbour.
    for (let i = 0; i < state.length; i++) {
      const s = state[(i + r) % state.length]!;
      if (s.error) continue;
      try {
        const round = await runRound(
          s.case.op,
          options.durationMs,
          options.concurrency,
          options.latencySamples,
        );
        s.rounds.push(round);
        onProgress(
          `  round ${r + 1}/${options.rounds}  ${s.case.name.padEnd(34)} ${Math.round(round.opsPerSec).toLocaleString('en-US')} ops/s`,
        );
      } catch (error) {
        s.error = describe(error);
        onProgress(`  ${s.case.name}: round ${r + 1} failed: ${s.error}`);
      }
    }
  }

  return state.map((s) => {
    if (s.error || s.rounds.length === 0) {
      return {
        name: s.case.name,
        opsPerSec: NaN,
        rounds: s.rounds.map((x) => x.opsPerSec),
        p50Us: NaN,
        p99Us: NaN,
        error: s.error ?? 'no rounds',
      };
    }
    const opsPerSec = median(s.rounds.map((x) => x.opsPerSec));
    // Latency of the round whose throughput is the median (closest to it for even counts).
    const medianRound = s.rounds.reduce((best, x) =>
      Math.abs(x.opsPerSec - opsPerSec) < Math.abs(best.opsPerSec - opsPerSec) ? x : best,
    );
    return {
      name: s.case.name,
      opsPerSec,
      rounds: s.rounds.map((x) => x.opsPerSec),
      p50Us: medianRound.p50Us,
      p99Us: medianRound.p99Us,
    };
  });
}
