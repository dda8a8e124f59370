import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import type { CompleteDriver } from '../../lib/drivers/store-driver.interface.js';

/**
 * Another client of the same Redis, as a service in another language or `redis-cli` would be: it
 * knows only the Redis names the README documents. On the memory driver (which has no other
 * clients) it is the driver itself, so the same assertions hold the memory driver to the layout.
 */
export interface ForeignClient {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  /** A hash's fields; `{}` when the key is missing. */
  hgetall(key: string): Promise<Record<string, string>>;
  pttl(key: string): Promise<number>;
  publish(channel: string, message: string): Promise<void>;
  /** Subscribes; resolves once the subscription is in place, to a function that ends it. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  xadd(stream: string, fields: string[]): Promise<void>;
  /** The field lists of a stream's entries, oldest first. */
  xrange(stream: string): Promise<string[][]>;
  /** Every key matching a glob (SCAN on every master); absent on the memory driver. */
  keys?(pattern: string): Promise<string[]>;
  /** Runs `redis-cli` with `args` against this Redis and returns its output, trimmed; Redis only. */
  cli?(args: string[]): Promise<string>;
  close(): Promise<void>;
}

/** A raw ioredis client (a second connection) plus `redis-cli` on `port` (`-c` on a Cluster). */
export function redisForeignClient(client: Redis | Cluster, cliPort: number): ForeignClient {
  const subscriber: Redis | Cluster =
    client instanceof Cluster ? client.duplicate() : client.duplicate();
  const cluster = client instanceof Cluster;
  return {
    get: (key) => client.get(key),
    set: async (key, value) => {
      await client.set(key, value);
    },
    hgetall: (key) => client.hgetall(key),
    pttl: (key) => client.pttl(key),
    publish: async (channel, message) => {
      await client.publish(channel, message);
    },
    subscribe: async (channel, onMessage) => {
      const listener = (from: string, message: string) => {
        if (from === channel) onMessage(message);
      };
      subscriber.on('message', listener);
      await subscriber.subscribe(channel);
      return async () => {
        subscriber.off('message', listener);
        await subscriber.unsubscribe(channel);
      };
    },
    xadd: async (stream, fields) => {
      await client.xadd(stream, '*', ...fields);
    },
    xrange: async (stream) => (await client.xrange(stream, '-', '+')).map(([, fields]) => fields),
    keys: async (pattern) => (await scanKeys(client, pattern)).sort(),
    cli: async (args) => {
      const { stdout } = await promisify(execFile)('redis-cli', [
        '-h',
        '127.0.0.1',
        '-p',
        String(cliPort),
        ...(cluster ? ['-c'] : []),
        ...args,
      ]);
      return stdout.trim();
    },
    close: async () => {
      subscriber.disconnect();
      client.disconnect();
    },
  };
}

/** Every key matching `pattern`: SCAN on every master (one server, or each master of a Cluster). */
export async function scanKeys(client: Redis | Cluster, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for (const node of client instanceof Cluster ? client.nodes('master') : [client]) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  return found;
}

/** The memory driver seen from outside the store: its raw operations on full names. */
export function memoryForeignClient(driver: CompleteDriver): ForeignClient {
  const any = (key: string) => driver.read(key, (raw) => raw, 'string');
  return {
    get: async (key) => {
      const raw = await any(key);
      return typeof raw === 'string' ? raw : null;
    },
    set: (key, value) => driver.set(key, value),
    hgetall: async (key) => {
      const raw = await any(key);
      return raw !== null && typeof raw === 'object' ? raw : {};
    },
    pttl: (key) => driver.pttl(key),
    publish: async (channel, message) => {
      await driver.publish(channel, message);
    },
    subscribe: (channel, onMessage) => driver.subscribe(channel, (message) => onMessage(message)),
    xadd: async (stream, fields) => {
      await driver.streams.add(stream, fields, undefined);
    },
    xrange: async (stream) =>
      (await driver.streams.range(stream, '-', '+', 10_000)).map((entry) => entry.fields ?? []),
    close: async () => undefined,
  };
}
