import type { Cluster, Redis } from 'ioredis';
import type { ConnectionBreaker } from './connection-breaker.js';
import { isCluster } from './redis-topology.js';

/**
 * Bounds how long a command of a connection the module owns can wait: never for the next
 * connection attempt, nor for any while `breaker` is open (`failFastBetweenAttempts`), never more
 * than `timeoutMs` for a reply or an attempt under way (`dropStalledConnections`). Returns a
 * function that stops all of it.
 */
export function boundWaits(
  client: Redis | Cluster,
  timeoutMs: number,
  breaker: ConnectionBreaker | null,
): () => void {
  const stops = [
    failFastBetweenAttempts(client, breaker),
    dropStalledConnections(client, timeoutMs),
    breaker?.follow(client) ?? (() => undefined),
  ];
  return () => stops.forEach((stop) => stop());
}

/** While the client makes a connection attempt, a command may wait for it in ioredis's queue. */
const ATTEMPTING = new Set(['wait', 'connecting', 'connect', 'ready']);
const STATUS_EVENTS = ['connecting', 'connect', 'ready', 'close', 'reconnecting', 'end'] as const;

/**
 * Commands sent between connection attempts (`reconnecting`: waiting out the retry delay) or after
 * the end fail at once instead of waiting in ioredis's offline queue for the next attempt, which
 * may be seconds away. During an attempt they still queue: the attempt itself is bounded
 * (`connectTimeout`, and the stall watchdog for the handshake), and at start-up this is what lets
 * the first commands wait for the first connection. While the breaker is open they fail at once
 * during attempts too. ioredis reads `enableOfflineQueue` on every command, so following the
 * status and the breaker is enough. Returns a function that stops following them.
 */
export function failFastBetweenAttempts(
  client: Redis | Cluster,
  breaker: ConnectionBreaker | null,
): () => void {
  const follow = () => {
    client.options.enableOfflineQueue = ATTEMPTING.has(client.status) && !breaker?.isOpen;
  };
  for (const event of STATUS_EVENTS) client.on(event, follow);
  const stopBreaker = breaker?.onChange(follow);
  follow();
  return () => {
    for (const event of STATUS_EVENTS) client.off(event, follow);
    stopBreaker?.();
  };
}

/** How many checks the watchdog makes per `commandTimeout`: it sees a stall within 1/20 of it. */
const CHECKS_PER_TIMEOUT = 20;

/** The oldest command a connection waits on a reply for, and since when the watchdog saw it. */
interface Head {
  command: unknown;
  since: number;
}

/**
 * Drops a connection whose oldest command has waited about `timeoutMs` for its reply (a frozen
 * server, a black hole, a silent network): ioredis then fails every command it holds (none is
 * sent again: `maxRetriesPerRequest: 0`) and reconnects. One timer per client, where a timer per
 * command (ioredis's `commandTimeout`) costs about a fifth of the throughput of pipelined reads;
 * and unlike the socket's idle timeout it is not reset by the writes of a steady load. On a
 * Cluster it watches each node. Returns a function that stops it.
 */
export function dropStalledConnections(client: Redis | Cluster, timeoutMs: number): () => void {
  const interval = Math.max(Math.floor(timeoutMs / CHECKS_PER_TIMEOUT), 5);
  // A command is first seen up to one interval after it was sent, and its stall noticed up to one
  // interval late: two intervals off the limit keep the drop within `timeoutMs` of the send.
  const limit = Math.max(timeoutMs - 2 * interval, interval);
  const heads = new WeakMap<Redis, Head>();
  const timer = setInterval(() => {
    const now = performance.now();
    for (const connection of connectionsOf(client)) {
      if (stalled(connection, heads, now, limit)) connection.disconnect(true);
    }
  }, interval);
  timer.unref();
  return () => clearInterval(timer);
}

function connectionsOf(client: Redis | Cluster): Redis[] {
  return isCluster(client) ? client.nodes('all') : [client];
}

/** Whether the same command has been first in line for a reply for `limit` ms. */
function stalled(connection: Redis, heads: WeakMap<Redis, Head>, now: number, limit: number) {
  const queue = connection.commandQueue;
  const command: unknown = queue.length > 0 ? queue.peekFront()?.command : undefined;
  const head = heads.get(connection);
  if (command === undefined) {
    heads.delete(connection);
    return false;
  }
  if (head?.command !== command) {
    heads.set(connection, { command, since: now });
    return false;
  }
  if (now - head.since < limit) return false;
  heads.delete(connection);
  return true;
}
