/**
 * An L1 hit settles without any I/O: a loop of `await op()` then runs on microtasks alone and the
 * event loop never reaches its timers, so the shared runner's round timer (and everything else)
 * would never fire. `yieldingOp` lets the loop breathe: once every `every` calls it opens a gate
 * that every caller's next call waits on; when all callers are parked the microtask queue drains,
 * timers run, and a `setImmediate` reopens the gate.
 *
 * Every case of a comparison gets the same wrapper, so they pay the same (tiny) cost: one pause of
 * all callers per `every` calls. The calls that waited at the gate (≈ concurrency / every of the
 * samples, 0.15 % with the defaults) carry the pause in their latency; p50 and p99 are unaffected.
 */
import type { Op } from '../lib/measure.js';

export const YIELD_EVERY = 65_536;

export function yieldingOp(op: () => Promise<unknown>, every = YIELD_EVERY): Op {
  let calls = 0;
  let gate: Promise<void> | undefined;
  return () => {
    if (gate) return gate.then(op);
    if (++calls >= every) {
      calls = 0;
      gate = new Promise<void>((resolve) =>
        setImmediate(() => {
          gate = undefined;
          resolve();
        }),
      );
      return gate.then(op);
    }
    return op();
  };
}
