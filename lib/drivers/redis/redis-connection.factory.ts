import { Cluster, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis';
import { StoreConfigurationError } from '../../errors/store.errors.js';
import type { StoreRedisConnection } from './redis-connection.options.js';

/** A command client and whether the module owns (and so closes) it. */
export interface RedisConnection {
  client: Redis | Cluster;
  owned: boolean;
}

/**
 * Defaults for clients the module creates: auto-pipelining (one write per tick for concurrent
 * callers) and bounded failure. A connection that sends no reply for `commandTimeout` ms while
 * commands wait (a frozen server, a silent network) is dropped (`socketTimeout`: one timer per
 * connection, where a per-command timeout would cost a timer on every command of the hot path).
 * Commands are never re-sent after a drop (`maxRetriesPerRequest: 0`): they fail at once with a
 * typed error, which also means an INCRBY is never applied twice; the client reconnects by itself.
 */
function clientDefaults(commandTimeout: number): RedisOptions {
  return {
    enableAutoPipelining: true,
    maxRetriesPerRequest: 0,
    socketTimeout: commandTimeout,
    connectTimeout: commandTimeout,
    retryStrategy: (times: number) => Math.min(times * 100, 2_000),
    // ioredis arms this timer on disconnect and, if the socket had already closed (Redis down),
    // never clears it: a short one keeps a shut-down app from lingering.
    disconnectTimeout: 200,
  };
}

/** Creates (or adopts) the command client described by `connection`. */
export function createRedisConnection(
  connection: StoreRedisConnection,
  commandTimeout: number,
): RedisConnection {
  const defaults = clientDefaults(commandTimeout);
  if (typeof connection === 'string')
    return { client: new Redis(connection, defaults), owned: true };
  if ('client' in connection) return { client: adoptClient(connection.client), owned: false };
  if ('cluster' in connection)
    return {
      client: createCluster(connection.cluster.nodes, connection.cluster.options, defaults),
      owned: true,
    };
  if ('sentinel' in connection) {
    return {
      client: new Redis({ ...defaults, ...connection.sentinel, failoverDetector: true }),
      owned: true,
    };
  }
  rejectClientKeyPrefix(connection.keyPrefix);
  return { client: new Redis({ ...defaults, ...connection }), owned: true };
}

function createCluster(
  nodes: ClusterNode[],
  options: ClusterOptions | undefined,
  defaults: RedisOptions,
): Cluster {
  if (!Array.isArray(nodes) || nodes.length === 0) {
    throw new StoreConfigurationError('options.redis.cluster.nodes must list at least one node');
  }
  rejectClientKeyPrefix(options?.keyPrefix ?? options?.redisOptions?.keyPrefix);
  const { enableAutoPipelining: _standaloneOnly, ...nodeDefaults } = defaults;
  return new Cluster(nodes, {
    // Off on a Cluster: ioredis follows MOVED / ASK inside an auto-pipelined batch only when every
    // command of it got the same redirection (redis/ioredis#2075), so after a failover or a slot
    // migration callers would see redirection errors, for good after a migration.
    enableAutoPipelining: false,
    ...options,
    redisOptions: { ...nodeDefaults, ...options?.redisOptions },
  });
}

/** Duck-typed, so a client from another copy of ioredis (a second install) is accepted too. */
function adoptClient(client: Redis | Cluster): Redis | Cluster {
  if (typeof client?.duplicate !== 'function' || typeof client.evalsha !== 'function') {
    throw new StoreConfigurationError(
      'options.redis.client must be an ioredis Redis or Cluster instance',
    );
  }
  rejectClientKeyPrefix(client.options.keyPrefix);
  return client;
}

/**
 * ioredis's own keyPrefix does not apply to SCAN patterns or channels; ours applies to all of them.
 */
function rejectClientKeyPrefix(keyPrefix: string | undefined): void {
  if (keyPrefix) {
    throw new StoreConfigurationError(
      `ioredis keyPrefix "${keyPrefix}" is not supported: set StoreModuleOptions.keyPrefix ` +
        'instead, which also scopes tags, channels and patterns',
    );
  }
}
