/**
 * For specs: what the harness started. global-setup writes it to `.tmp/harness.json` and also
 * exports it to the workers as STORE_HARNESS_INFO (preferred: unaffected by a concurrent run).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HARNESS_ENV, type HarnessFile } from './harness-state.js';
import { REDIS_SERVER_MISSING_MESSAGE, type HostPort } from './redis-servers.js';

export interface HarnessInfo {
  standaloneUrl: string;
  clusterNodes: HostPort[] | null;
}

const HARNESS_FILE = fileURLToPath(new URL('../../.tmp/harness.json', import.meta.url));

export function harnessInfo(): HarnessInfo {
  // Prefer what this run's global-setup exported; the file is shared by every run in the checkout.
  let text = process.env[HARNESS_ENV];
  if (!text) {
    try {
      text = readFileSync(HARNESS_FILE, 'utf8');
    } catch {
      throw new Error(
        `${HARNESS_FILE} is missing: run the tests through \`npm test\` so the harness starts Redis ` +
          '(the globalSetup in jest.config.js starts redis-server processes and writes that file).',
      );
    }
  }
  const parsed = JSON.parse(text) as HarnessFile;
  return { standaloneUrl: parsed.standaloneUrl, clusterNodes: parsed.clusterNodes };
}

/** Cluster seed nodes; throws the install message when the harness could not start a Cluster. */
export function clusterNodes(): HostPort[] {
  const nodes = harnessInfo().clusterNodes;
  if (!nodes)
    throw new Error(`No Redis Cluster is available for this run. ${REDIS_SERVER_MISSING_MESSAGE}`);
  return nodes;
}
