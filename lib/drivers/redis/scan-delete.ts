import type { Cluster, Redis } from 'ioredis';
import { isCluster, masters } from './redis-topology.js';

/**
 * Keys asked for per SCAN step and deleted per UNLINK batch: small enough to never block Redis for
 * long.
 */
const BATCH = 500;

/**
 * Deletes every key matching `pattern` except those starting with `keep`: SCAN (never KEYS) on
 * every master, UNLINK in batches.
 * On a Cluster, one node's keys span many slots, so each key is unlinked on its own (pipelined).
 */
export async function deleteByPattern(
  client: Redis | Cluster,
  pattern: string,
  keep: string,
): Promise<number> {
  const counts = await Promise.all(
    masters(client).map((node) => deleteOnNode(node, pattern, keep, isCluster(client))),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

async function deleteOnNode(
  node: Redis,
  pattern: string,
  keep: string,
  perKey: boolean,
): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', BATCH);
    cursor = next;
    const keys = found.filter((key) => !key.startsWith(keep));
    if (keys.length > 0)
      deleted += perKey ? await unlinkEach(node, keys) : await node.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

async function unlinkEach(node: Redis, keys: string[]): Promise<number> {
  const pipeline = node.pipeline();
  for (const key of keys) pipeline.unlink(key);
  const results = (await pipeline.exec()) ?? [];
  let deleted = 0;
  for (const [error, count] of results) {
    if (error) throw error;
    deleted += Number(count);
  }
  return deleted;
}
