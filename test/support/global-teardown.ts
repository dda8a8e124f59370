/**
 * Jest globalTeardown: with REDIS_URL set, delete every key this run wrote to that server (all
 * under the run's key prefix, see key-prefix.ts); then stop what global-setup started and delete
 * `.tmp/harness.json`. Runs in the same process as global-setup, which left its handles on `globalThis`.
 */
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { HarnessGlobal } from './harness-state.js';

/* Loaded outside Jest's module sandbox, like global-setup (see there): modules are loaded through `require`. */
type IoRedis = typeof import('ioredis');
type HarnessState = typeof import('./harness-state.js');
const requireTs = createRequire(import.meta.url);

export default async function globalTeardown(): Promise<void> {
  const state: HarnessGlobal | undefined = globalThis.__STORE_HARNESS__;
  if (!state) return;
  globalThis.__STORE_HARNESS__ = undefined;
  try {
    // The harness's own servers are stopped (and their data dropped) below; REDIS_URL's server is
    // someone else's, so only this run's keys are removed from it.
    const envUrl = process.env['REDIS_URL'];
    if (envUrl && !state.standalone) await deleteRunKeys(envUrl, state.runKeyPrefix);
  } finally {
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
}

/** Deletes every key under `prefix` (SCAN + UNLINK, never KEYS) from the server at `url`. */
async function deleteRunKeys(url: string, prefix: string): Promise<void> {
  const { RUN_KEY_PREFIX_PATTERN } = requireTs('./harness-state.ts') as HarnessState;
  if (!RUN_KEY_PREFIX_PATTERN.test(prefix))
    throw new Error(
      `Refusing to delete keys under unexpected run prefix ${JSON.stringify(prefix)}`,
    );
  const { Redis } = requireTs('ioredis') as IoRedis;
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    // The prefix is `test:<hex>:`: no glob characters to escape.
    const match = `${prefix}*`;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', match, 'COUNT', 1_000);
      if (keys.length > 0) await client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch (error) {
    throw new Error(
      `Could not delete this run's keys (${prefix}*) from REDIS_URL: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    client.disconnect();
  }
}
