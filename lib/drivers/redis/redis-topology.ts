import type { Cluster, Redis } from 'ioredis';

/**
 * True for an ioredis `Cluster` (duck-typed, so a client from another copy of ioredis counts too).
 */
export function isCluster(client: Redis | Cluster): client is Cluster {
  return client.isCluster === true;
}

/** The connections that hold data: every master of a Cluster, or the client itself. */
export function masters(client: Redis | Cluster): Redis[] {
  return isCluster(client) ? client.nodes('master') : [client];
}

/**
 * Where a classic PUBLISH on `channel` goes. A Cluster forwards PUBLISH to every node over its bus,
 * but messages sent to different nodes may overtake each other there; ioredis sends a keyless
 * command to a random node, so one channel's messages could arrive out of order. Sending each
 * channel's messages through the same master (chosen by a hash of the name, stable while the
 * topology is) keeps them in order, and spreads channels over the masters.
 */
export function publishConnection(client: Redis | Cluster, channel: string): Redis | Cluster {
  if (!isCluster(client)) return client;
  const nodes = client.nodes('master');
  if (nodes.length === 0) return client;
  nodes.sort((a, b) => nodeName(a).localeCompare(nodeName(b)));
  return nodes[fnv1a(channel) % nodes.length]!;
}

function nodeName(node: Redis): string {
  return `${node.options.host}:${node.options.port}`;
}

/** 32-bit FNV-1a: a cheap, well-spread string hash. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
