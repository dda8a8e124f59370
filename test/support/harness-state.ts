/**
 * Types shared by global-setup, global-teardown and harness-info: the shape of `.tmp/harness.json`
 * and of the state global-setup leaves for global-teardown. Only types and constants: global-setup
 * cannot import modules that need transpiling at run time (see global-setup.ts).
 */
import type { ClusterHandle, HostPort, RedisServerHandle } from './redis-servers.js';

export interface HarnessFile {
  /** URL of the standalone server the standalone suites use (REDIS_URL when that is set). */
  standaloneUrl: string;
  /** Cluster seed nodes, or null when no redis-server is available (REDIS_URL mode only). */
  clusterNodes: HostPort[] | null;
  /** Pids of the processes the harness started (empty when nothing was started). */
  pids: number[];
  /** What every key prefix of this run starts with (see test/support/key-prefix.ts). */
  runKeyPrefix: string;
}

/** What global-setup hands to global-teardown (same process, see jest.config.js). */
export interface HarnessGlobal {
  standalone: RedisServerHandle | null;
  cluster: ClusterHandle | null;
  file: string;
  /** The JSON written to `file`, so teardown deletes the file only while it is still this run's. */
  json: string;
  /** This run's key prefix: with REDIS_URL, teardown deletes every key under it from that server. */
  runKeyPrefix: string;
}

/** Environment variable through which global-setup hands the same JSON to the test workers. */
export const HARNESS_ENV = 'STORE_HARNESS_INFO';

/**
 * Environment variable through which global-setup hands the run's key prefix (`test:<run id>:`) to
 * the test workers: every key prefix a spec builds (test/support/key-prefix.ts) starts with it, so
 * teardown can delete everything the run wrote to a REDIS_URL server, and only that.
 */
export const RUN_KEY_PREFIX_ENV = 'STORE_TEST_RUN_KEY_PREFIX';

/** The shape of a run key prefix; teardown deletes nothing under a prefix that does not match it. */
export const RUN_KEY_PREFIX_PATTERN = /^test:[0-9a-f]{12}:$/;

declare global {
  var __STORE_HARNESS__: HarnessGlobal | undefined;
}
