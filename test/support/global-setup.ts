/**
 * Jest globalSetup: start one standalone redis-server and one 3-master Cluster (in parallel) on
 * free loopback ports, and record them in `.tmp/harness.json` for the test workers.
 *
 * With REDIS_URL set, that server is the standalone and none is started; the Cluster is still
 * started when redis-server is available (otherwise `clusterNodes` is null and the Cluster suites
 * fail with the install message).
 *
 * Also picks this run's key prefix `test:<run id>:` (see key-prefix.ts): every key a spec writes
 * to the standalone server is under it, and global-teardown deletes it all from a REDIS_URL server.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { HarnessFile } from './harness-state.js';
import type { ClusterHandle, RedisServerHandle } from './redis-servers.js';

/*
 * Jest loads this file outside its module sandbox: ts-jest transpiles it (to ESM, because the
 * package is "type": "module") and Node itself then resolves its static imports, without Jest's
 * moduleNameMapper and without transpiling. A static `import … from './redis-servers.js'` would
 * therefore look for a .js file that does not exist. Jest's require hook (pirates) does transpile
 * `.ts` files required while globalSetup runs, so the harness is loaded through `require` by its
 * real file name. Those files import only Node built-ins (and types), so that works.
 */
type Harness = typeof import('./redis-servers.js');
type HarnessState = typeof import('./harness-state.js');
const requireTs = createRequire(import.meta.url);

export default async function globalSetup(
  _globalConfig?: unknown,
  projectConfig?: { rootDir?: string },
): Promise<void> {
  const harness = requireTs('./redis-servers.ts') as Harness;
  const { HARNESS_ENV, RUN_KEY_PREFIX_ENV } = requireTs('./harness-state.ts') as HarnessState;
  const rootDir = projectConfig?.rootDir ?? process.cwd();
  const file = join(rootDir, '.tmp', 'harness.json');
  const envUrl = process.env['REDIS_URL'];
  const runKeyPrefix = `test:${randomBytes(6).toString('hex')}:`;

  let standalone: RedisServerHandle | null = null;
  let cluster: ClusterHandle | null = null;
  try {
    if (envUrl) {
      if (harness.isRedisServerAvailable()) cluster = await harness.startCluster(3);
    } else {
      harness.ensureRedisServerAvailable();
      [standalone, cluster] = await Promise.all([
        harness.startStandalone(),
        harness.startCluster(3),
      ]);
    }
  } catch (err) {
    // globalTeardown does not run when globalSetup fails: clean up here.
    await harness.stopAll();
    throw err;
  }

  const info: HarnessFile = {
    standaloneUrl: standalone?.url ?? envUrl ?? '',
    clusterNodes: cluster ? cluster.nodes : null,
    pids: [
      ...(standalone ? [standalone.pid] : []),
      ...(cluster ? cluster.servers.map((s) => s.pid) : []),
    ],
    runKeyPrefix,
  };
  const json = JSON.stringify(info, null, 2);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${json}\n`);
  // Workers start after globalSetup and inherit this, so a second `npm test` running at the same
  // time in this checkout (which rewrites .tmp/harness.json) cannot redirect this run's specs.
  process.env[HARNESS_ENV] = json;
  process.env[RUN_KEY_PREFIX_ENV] = runKeyPrefix;
  globalThis.__STORE_HARNESS__ = { standalone, cluster, file, json, runKeyPrefix };
}
