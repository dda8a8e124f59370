import type {
  Cluster,
  ClusterNode,
  ClusterOptions,
  Redis,
  RedisOptions,
  SentinelAddress,
} from 'ioredis';

/** Connect to a Redis Cluster. */
export interface StoreClusterConnection {
  cluster: {
    /** Startup nodes; the client discovers the rest. */
    nodes: ClusterNode[];
    /** ioredis Cluster options, merged over the module's defaults. */
    options?: ClusterOptions;
  };
}

/**
 * Connect through Redis Sentinel. `failoverDetector` is always on, so writes follow a failover at
 * once.
 */
export interface StoreSentinelConnection {
  sentinel: Omit<RedisOptions, 'sentinels' | 'name'> & {
    /** Sentinel addresses. */
    sentinels: Array<Partial<SentinelAddress>>;
    /** Master group name, as in `sentinel monitor <name> ...`. */
    name: string;
  };
}

/**
 * Use an existing ioredis client. The module uses it (and a duplicate for subscriptions) but never
 * closes it.
 */
export interface StoreExistingClient {
  client: Redis | Cluster;
}

/**
 * Every way to point the module at Redis: a URL, ioredis options, Cluster, Sentinel, or an existing
 * client.
 */
export type StoreRedisConnection =
  string | RedisOptions | StoreClusterConnection | StoreSentinelConnection | StoreExistingClient;
