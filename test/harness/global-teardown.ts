/**
 * Jest globalTeardown: stop what global-setup started and delete `.tmp/harness.json`.
 * Runs in the same process as global-setup, which left its handles on `globalThis`.
 */
import { readFileSync, rmSync } from 'node:fs';
import type { HarnessGlobal } from './harness-state.js';

export default async function globalTeardown(): Promise<void> {
  const state: HarnessGlobal | undefined = globalThis.__STORE_HARNESS__;
  if (!state) return;
  globalThis.__STORE_HARNESS__ = undefined;
  try {
    await Promise.all([state.standalone?.stop(), state.cluster?.stop()]);
  } finally {
    // Leave the file alone if another run in this checkout has rewritten it meanwhile.
    let current: string | undefined;
    try {
      current = readFileSync(state.file, 'utf8').trim();
    } catch {
      current = undefined;
    }
    if (current === state.json) rmSync(state.file, { force: true });
  }
}
