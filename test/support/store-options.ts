/** `StoreModule.forRoot` options for specs: the memory driver, or the harness's servers under a fresh key prefix. */
import type { StoreModuleOptions } from '../../lib/index.js';
import { clusterNodes, harnessInfo } from './harness-info.js';
import { testKeyPrefix } from './key-prefix.js';

/** The memory driver. */
export const memoryStore = (): StoreModuleOptions => ({ driver: 'memory' });

/** Redis standalone from the harness, under a fresh key prefix labelled `label` (under the run's prefix). */
export function redisStore(
  label: string,
  overrides: Partial<StoreModuleOptions> = {},
): StoreModuleOptions {
  return { redis: harnessInfo().standaloneUrl, keyPrefix: testKeyPrefix(label), ...overrides };
}

/** The harness's Redis Cluster, under a fresh key prefix labelled `label`. */
export function clusterStore(
  label: string,
  overrides: Partial<StoreModuleOptions> = {},
): StoreModuleOptions {
  return {
    redis: { cluster: { nodes: clusterNodes() } },
    keyPrefix: testKeyPrefix(label),
    ...overrides,
  };
}
