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
}

/** What global-setup hands to global-teardown (same process, see jest.config.js). */
export interface HarnessGlobal {
  standalone: RedisServerHandle | null;
  cluster: ClusterHandle | null;
  file: string;
  /** The JSON written to `file`, so teardown deletes the file only while it is still this run's. */
  json: string;
}

/** Environment variable through which global-setup hands the same JSON to the test workers. */
export const HARNESS_ENV = 'STORE_HARNESS_INFO';

declare global {
  // eslint-disable-next-line no-var
  var __STORE_HARNESS__: HarnessGlobal | undefined;
}
