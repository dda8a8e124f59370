/**
 * Key prefixes for specs. Every prefix a spec gives a store that may run on the standalone server
 * (which is REDIS_URL's server when that is set) comes from `testKeyPrefix`, so it starts with this
 * run's prefix `test:<run id>:`. global-setup picks the run id; with REDIS_URL set, global-teardown
 * deletes every key under the run prefix from that server (SCAN + UNLINK), so a run leaves nothing
 * behind there, and touches nothing it did not write.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { RUN_KEY_PREFIX_ENV, RUN_KEY_PREFIX_PATTERN } from './harness-state.js';

/** Used only when a spec runs without the harness's global-setup (nothing will clean up after it). */
let fallback: string | undefined;

/** What every key prefix of this run starts with: `test:<run id>:`. */
export function runKeyPrefix(): string {
  const fromSetup = process.env[RUN_KEY_PREFIX_ENV];
  if (fromSetup !== undefined && RUN_KEY_PREFIX_PATTERN.test(fromSetup)) return fromSetup;
  fallback ??= `test:${randomBytes(6).toString('hex')}:`;
  return fallback;
}

/**
 * A fresh key prefix under this run's prefix: `test:<run id>:<label>:<random>:` (without a label,
 * `test:<run id>:<random>:`). The label only helps a person reading the server's keys; it must not
 * contain hash tags or glob characters (keyPrefix rejects those).
 */
export function testKeyPrefix(label?: string): string {
  return `${runKeyPrefix()}${label ? `${label}:` : ''}${randomUUID().slice(0, 8)}:`;
}
