/** Starts the private redis-server the benchmarks use (or adopts `REDIS_URL`). */
import { Redis } from 'ioredis';
import { startStandalone } from '../../test/support/redis-servers.js';
import type { RedisTarget } from './context.js';

export interface StartedRedis {
  target: RedisTarget;
  /** Stops the server if the bench started it; a no-op for `REDIS_URL`. */
  stop(): Promise<void>;
}

export async function startRedisTarget(): Promise<StartedRedis> {
  const fromEnv = process.env['REDIS_URL'];
  if (fromEnv) {
    const url = new URL(fromEnv);
    return {
      target: {
        url: fromEnv,
        host: url.hostname || '127.0.0.1',
        port: Number(url.port || 6379),
        external: true,
      },
      stop: async () => undefined,
    };
  }
  const server = await startStandalone();
  return {
    target: { url: server.url, host: server.host, port: server.port, external: false },
    stop: () => server.stop(),
  };
}

/** `redis_version` from INFO server, via a short-lived client. */
export async function redisServerVersion(url: string): Promise<string> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const info = await client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    client.disconnect();
  }
}

/** Deletes every key under `prefix` (SCAN, never KEYS), so a shared REDIS_URL is left as found. */
export async function deleteByPrefix(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** bentocache's redis driver takes ioredis options, not a URL. */
export function redisOptionsFromUrl(url: string): {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
} {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined && Number.isFinite(db) ? { db } : {}),
  };
}
