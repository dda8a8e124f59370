/** What every suite receives from the runner. */
import type { MeasureOptions } from './measure.js';

/** The Redis the suites run against: a private redis-server, or `REDIS_URL` when set. */
export interface RedisTarget {
  url: string;
  host: string;
  port: number;
  /** True when it came from `REDIS_URL` (not started, not stopped by the bench). */
  external: boolean;
}

export interface BenchContext {
  redis: RedisTarget;
  /** Runner settings (concurrency, warm-up, round length, rounds) for `measureAll`. */
  measure: MeasureOptions;
}

/** A suite measures one area side by side with its anchors and prints its own report. */
export type Suite = (ctx: BenchContext) => Promise<void>;
