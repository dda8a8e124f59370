/**
 * Helpers for specs whose outcome depends on time passing (TTLs, rate-limit windows, leases).
 *
 * Such a spec must not assume how long a sleep or a call took: on a busy machine either can take
 * far longer than asked. Instead it takes timestamps around each call (`timed`), waits until a
 * measured point in time (`sleepUntil`) or until something observable happens (`waitFor` in
 * test/contract/store-fixture.ts), and derives what it asserts from the measured times.
 *
 * The Redis servers the specs use run on this machine, so Redis TIME reads the same clock as
 * `Date.now()`: a command sent after `before = Date.now()` and answered before `after = Date.now()`
 * ran at a server time (in whole ms) within [before, after].
 */

/** Resolves once `Date.now() >= epochMs` (at once if that time has passed). */
export async function sleepUntil(epochMs: number): Promise<void> {
  // Timers may fire a little early relative to Date.now(): loop until the clock says so.
  for (let left = epochMs - Date.now(); left > 0; left = epochMs - Date.now()) {
    await new Promise<void>((resolve) => setTimeout(resolve, left));
  }
}

/** A call's result with `Date.now()` just before it was made and just after it settled. */
export interface Timed<T> {
  value: T;
  before: number;
  after: number;
}

/** Runs `call`, noting `Date.now()` just before and just after. */
export async function timed<T>(call: () => Promise<T>): Promise<Timed<T>> {
  const before = Date.now();
  const value = await call();
  return { value, before, after: Date.now() };
}

/**
 * Waits, when the clock is within `marginMs` of the end of an epoch-aligned window of `windowMs`,
 * until that window has ended. Rate-limit windows are epoch-aligned, and a test that counts requests
 * against one (then expects a 429) must not straddle two: the sliding window's previous-window
 * weight is floored, so right after a boundary one more request passes. A window of 10 s also
 * covers minutes, hours and days, whose boundaries are 10 s boundaries too.
 */
export async function clearOfWindowEdge(windowMs = 60_000, marginMs = 3_000): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) await sleepUntil(Date.now() + left + 5);
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
