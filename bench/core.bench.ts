/**
 * Core suite: cache GET (hit) and SET of a ~300-byte JSON object, 100 concurrent callers, against
 * the anchors of ANCHORS.md side by side in one process run.
 *
 * Each system reads and writes its own key (each stores in its own format: Keyv wraps values in
 * `{"value":…,"expires":…}`, bentocache in its own envelope), preloaded through the system's own
 * `set`, and each system's GET is checked to return the value before it is measured.
 */
import { NestFactory } from '@nestjs/core';
import { BentoCache, bentostore } from 'bentocache';
import { redisDriver } from 'bentocache/drivers/redis';
import { createCache } from 'cache-manager';
import { createKeyv } from '@keyv/redis';
import { Redis } from 'ioredis';
import { StoreModule, StoreService } from '../lib/index.js';
import type { BenchContext } from './lib/context.js';
import { measureAll, type BenchCase, type Measurement } from './lib/measure.js';
import { deleteByPrefix, redisOptionsFromUrl } from './lib/redis-target.js';
import { goals, heading, line, measurementTable, ratios, subheading } from './lib/report.js';

const KEY_PREFIX = 'bench:core:';
const TTL_SECONDS = 60;
/** Preloaded GET keys must outlive the whole GET phase, or late rounds would measure misses. */
const PRELOAD_TTL_SECONDS = 3600;

/** A user-profile-like object; about 300 bytes as JSON. */
export const VALUE = {
  id: 'usr_01HZX8K4W3Q9',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  roles: ['admin', 'editor'],
  active: true,
  score: 98.5,
  createdAt: '2024-05-01T12:00:00.000Z',
  address: { street: '12 Engine Way', city: 'London', zip: 'NW1 6XE', country: 'GB' },
  prefs: { theme: 'dark', locale: 'en-GB', email: true },
};
const VALUE_JSON = JSON.stringify(VALUE);

/** One system under test, bound to its own key. */
interface System {
  name: string;
  get(): Promise<unknown>;
  set(ttlSeconds?: number): Promise<unknown>;
  close(): Promise<void>;
}

const NAMES = {
  raw: 'raw ioredis',
  rawAuto: 'raw ioredis (auto-pipelined)',
  keyv: 'Keyv + @keyv/redis',
  cacheManager: 'cache-manager 7 (Keyv)',
  bento: 'bentocache (L2 only)',
  store: 'nestjs-store',
} as const;

function rawIoredis(url: string, name: string, enableAutoPipelining: boolean, key: string): System {
  const client = new Redis(url, { enableAutoPipelining });
  return {
    name,
    get: async () => {
      const raw = await client.get(key);
      return raw === null ? null : JSON.parse(raw);
    },
    set: (ttl = TTL_SECONDS) => client.set(key, JSON.stringify(VALUE), 'EX', ttl),
    close: async () => {
      await client.quit();
    },
  };
}

function keyv(url: string, key: string): System {
  const store = createKeyv(url);
  store.on('error', (error: unknown) => process.stderr.write(`Keyv error: ${String(error)}\n`));
  return {
    name: NAMES.keyv,
    get: () => store.get(key),
    set: (ttl = TTL_SECONDS) => store.set(key, VALUE, ttl * 1000), // ms
    close: () => store.disconnect(),
  };
}

function cacheManager(url: string, key: string): System {
  const store = createKeyv(url);
  store.on('error', (error: unknown) =>
    process.stderr.write(`cache-manager Keyv error: ${String(error)}\n`),
  );
  const cache = createCache({ stores: [store] });
  return {
    name: NAMES.cacheManager,
    get: () => cache.get(key),
    set: (ttl = TTL_SECONDS) => cache.set(key, VALUE, ttl * 1000), // ms
    close: async () => {
      await cache.disconnect();
    },
  };
}

function bentocache(ctx: BenchContext, key: string): System {
  // L2 only: no useL1Layer, no bus; every get goes to Redis.
  const bento = new BentoCache({
    default: 'redis',
    stores: {
      redis: bentostore().useL2Layer(
        redisDriver({ connection: redisOptionsFromUrl(ctx.redis.url) }),
      ),
    },
  });
  return {
    name: NAMES.bento,
    get: () => bento.get({ key }),
    set: (ttl = TTL_SECONDS) => bento.set({ key, value: VALUE, ttl: `${ttl}s` }),
    close: () => bento.disconnectAll(),
  };
}

async function nestjsStore(url: string, key: string): Promise<System> {
  const app = await NestFactory.createApplicationContext(StoreModule.forRoot({ redis: url }), {
    logger: false,
  });
  let store: StoreService;
  try {
    store = app.get(StoreService);
  } catch (error) {
    await app.close();
    throw error;
  }
  return {
    name: NAMES.store,
    get: () => store.get(key),
    set: (ttl = TTL_SECONDS) => store.set(key, VALUE, { ttl }), // seconds
    close: () => app.close(),
  };
}

/** Fails loudly if a system's GET does not return the preloaded value (a fast miss is no result). */
async function checkRoundTrip(system: System): Promise<void> {
  await system.set(PRELOAD_TTL_SECONDS);
  await checkHit(system);
}

/** Fails loudly unless a system's GET still returns the value (so every measured GET was a hit). */
async function checkHit(system: System): Promise<void> {
  const got = await system.get();
  const json = JSON.stringify(got);
  if (json !== VALUE_JSON) {
    throw new Error(
      `${system.name}: get after set returned ${json === undefined ? String(got) : json.slice(0, 120)}, not the value`,
    );
  }
}

export async function coreSuite(ctx: BenchContext): Promise<void> {
  const url = ctx.redis.url;
  const systems: System[] = [];
  heading('core: cache GET (hit) and SET');
  line(
    `value: ${Buffer.byteLength(VALUE_JSON)}-byte JSON object; ${ctx.measure.concurrency} concurrent callers; ` +
      `warm-up ${ctx.measure.warmupMs / 1000} s, ${ctx.measure.rounds} rounds of ${ctx.measure.durationMs / 1000} s, median; ` +
      `rounds interleaved across systems`,
  );
  line(
    `SET TTL ${TTL_SECONDS} s (Keyv / cache-manager: ${TTL_SECONDS * 1000} ms; bentocache: '${TTL_SECONDS}s'; nestjs-store: ${TTL_SECONDS})`,
  );
  try {
    systems.push(rawIoredis(url, NAMES.raw, false, `${KEY_PREFIX}raw`));
    systems.push(rawIoredis(url, NAMES.rawAuto, true, `${KEY_PREFIX}raw-auto`));
    systems.push(keyv(url, `${KEY_PREFIX}keyv`));
    systems.push(cacheManager(url, `${KEY_PREFIX}cache-manager`));
    systems.push(bentocache(ctx, `${KEY_PREFIX}bentocache`));
    systems.push(await nestjsStore(url, `${KEY_PREFIX}nestjs-store`));

    for (const system of systems) await checkRoundTrip(system);

    process.stderr.write('core: GET (hit)\n');
    const getResults = await measureAll(
      systems.map((s): BenchCase => ({ name: s.name, op: () => s.get() })),
      ctx.measure,
    );
    for (const system of systems) await checkHit(system);
    process.stderr.write('core: SET\n');
    const setResults = await measureAll(
      systems.map((s): BenchCase => ({ name: s.name, op: () => s.set() })),
      ctx.measure,
    );

    report('GET (hit)', getResults, [
      { anchor: NAMES.rawAuto, min: 0.95 },
      { anchor: NAMES.keyv, min: 1.15 },
    ]);
    report('SET (60 s TTL)', setResults, []);
  } finally {
    const closing = await Promise.allSettled(systems.map((s) => s.close()));
    closing.forEach((r, i) => {
      if (r.status === 'rejected')
        process.stderr.write(`core: closing ${systems[i]!.name} failed: ${String(r.reason)}\n`);
    });
    await deleteByPrefix(url, KEY_PREFIX).catch((error: unknown) =>
      process.stderr.write(`core: cleanup failed: ${String(error)}\n`),
    );
  }
}

function report(
  title: string,
  results: Measurement[],
  goalSpecs: Array<{ anchor: string; min: number }>,
): void {
  subheading(title);
  measurementTable(results);
  const subject = results.find((m) => m.name === NAMES.store)!;
  line();
  ratios(
    subject,
    results.filter((m) => m !== subject),
  );
  if (goalSpecs.length > 0) {
    line();
    goals(
      goalSpecs.map(({ anchor, min }) => ({
        label: `${title.split(' ')[0]!.toLowerCase()} ≥ ${min.toFixed(2)}x ${anchor}`,
        subject,
        anchor: results.find((m) => m.name === anchor)!,
        min,
      })),
    );
  }
}
