import type { Cluster, Redis } from 'ioredis';

/** True for an ioredis `Cluster` (duck-typed, so a client from another copy of ioredis counts too). */
export function isCluster(client: Redis | Cluster): client is Cluster {
  return client.isCluster === true;
}

/** The connections that hold data: every master of a Cluster, or the client itself. */
export function masters(client: Redis | Cluster): Redis[] {
  return isCluster(client) ? client.nodes('master') : [client];
}
