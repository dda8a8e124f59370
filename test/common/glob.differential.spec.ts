/**
 * Holds the in-process glob matcher, the memory driver and L1 to a live Redis on thousands of
 * random keys and globs: SCAN MATCH (what `deleteByPattern` uses) and PSUBSCRIBE must select
 * exactly what Redis selects. Inputs come from a seeded generator; a failure names its seed
 * (rerun with GLOB_SEED=<seed> to reproduce it).
 */
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { L1Tier } from '../../lib/engine/cache/l1-tier.js';
import { compileScanGlob, escapeGlob } from '../../lib/common/glob.js';
import { MemoryDriver } from '../../lib/drivers/memory/memory.driver.js';
import { harnessInfo } from '../support/harness-info.js';
import { testKeyPrefix } from '../support/key-prefix.js';
import { randomGlobs, randomKeys, seededRandom } from './glob-inputs.js';

const SEED = Number(process.env.GLOB_SEED ?? 0x5eed_2024);
const KEY_COUNT = 2_000;
const GLOB_COUNT = 2_000;
/** The in-process deletes rewrite every key per glob; a share of the globs proves them. */
const DELETE_GLOB_COUNT = 400;
const PUBSUB_COUNT = 300;
const SCAN_COUNT = 100_000;

/** One glob where two sides disagree: the subjects only one side selected. */
interface Mismatch {
  glob: string;
  onlyRedis: string[];
  onlyLocal: string[];
}

function mismatch(
  glob: string,
  redis: ReadonlySet<string>,
  local: ReadonlySet<string>,
): Mismatch | undefined {
  const onlyRedis = [...redis].filter((subject) => !local.has(subject));
  const onlyLocal = [...local].filter((subject) => !redis.has(subject));
  return onlyRedis.length + onlyLocal.length === 0 ? undefined : { glob, onlyRedis, onlyLocal };
}

/** What one side selected for a glob (keys or channels, without the spec's prefix). */
type Selection = (glob: string) => ReadonlySet<string>;

/** Compares per glob and fails with the first disagreements, unprefixed and JSON-quoted. */
function expectSameSelections(globs: string[], redis: Selection, local: Selection): void {
  const found = globs.flatMap((glob) => mismatch(glob, redis(glob), local(glob)) ?? []);
  const report = found.slice(0, 5).map((m) => JSON.stringify(m));
  expect({ seed: SEED, mismatches: found.length, first: report }).toEqual({
    seed: SEED,
    mismatches: 0,
    first: [],
  });
}

describe(`glob matching against Redis (seed ${SEED})`, () => {
  const random = seededRandom(SEED);
  const keys = randomKeys(random, KEY_COUNT);
  const globs = randomGlobs(random, GLOB_COUNT, keys);
  const prefix = testKeyPrefix('glob');
  const fullKeys = keys.map((key) => prefix + key);
  const fullGlob = (glob: string): string => escapeGlob(prefix) + glob;
  const unprefixed = (fullKey: string): string => fullKey.slice(prefix.length);
  const scanned = new Map<string, Set<string>>();
  let redis: Redis;

  async function scanAll(glob: string): Promise<Set<string>> {
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', fullGlob(glob), 'COUNT', SCAN_COUNT);
      for (const fullKey of batch) found.add(unprefixed(fullKey));
      cursor = next;
    } while (cursor !== '0');
    return found;
  }

  beforeAll(async () => {
    redis = new Redis(harnessInfo().standaloneUrl);
    await redis.mset(fullKeys.flatMap((fullKey) => [fullKey, '1']));
    const results = await Promise.all(globs.map(scanAll));
    globs.forEach((glob, i) => scanned.set(glob, results[i]));
  });

  afterAll(async () => {
    await redis.unlink(...fullKeys);
    await redis.quit();
  });

  it('generates inputs that exercise both outcomes', () => {
    const matching = globs.filter((glob) => scanned.get(glob)!.size > 0).length;
    expect(matching).toBeGreaterThan(GLOB_COUNT / 10);
    expect(matching).toBeLessThan(GLOB_COUNT);
  });

  it('selects exactly the keys SCAN MATCH returns', () => {
    expectSameSelections(
      globs,
      (glob) => scanned.get(glob)!,
      (glob) => {
        const matches = compileScanGlob(fullGlob(glob));
        return new Set(fullKeys.filter((fullKey) => matches(fullKey)).map(unprefixed));
      },
    );
  });

  it('deletes from the memory driver and L1 exactly the keys SCAN MATCH returns', async () => {
    const deleteGlobs = globs.slice(0, DELETE_GLOB_COUNT);
    const driver = new MemoryDriver(KEY_COUNT * 2, new Logger('glob-differential'));
    const l1 = new L1Tier(KEY_COUNT * 2, 60_000);
    const fromDriver = new Map<string, Set<string>>();
    const fromL1 = new Map<string, Set<string>>();
    for (const glob of deleteGlobs) {
      await driver.mset(fullKeys.map((key) => ({ key, value: '1' })));
      await driver.deleteByPattern(fullGlob(glob), `${prefix}\u0000`);
      const left = await driver.mget(fullKeys);
      fromDriver.set(glob, new Set(fullKeys.filter((_, i) => left[i] === null).map(unprefixed)));

      for (const key of fullKeys) l1.set(key, { value: 1, tagKeys: [] }, l1.generation);
      l1.deletePattern(fullGlob(glob));
      fromL1.set(
        glob,
        new Set(fullKeys.filter((key) => l1.get(key) === undefined).map(unprefixed)),
      );
    }
    await driver.close();
    expectSameSelections(
      deleteGlobs,
      (glob) => scanned.get(glob)!,
      (glob) => fromDriver.get(glob)!,
    );
    expectSameSelections(
      deleteGlobs,
      (glob) => scanned.get(glob)!,
      (glob) => fromL1.get(glob)!,
    );
  });

  it('delivers a PUBLISH to the same PSUBSCRIBE patterns as the memory driver does', async () => {
    const patterns = globs.slice(0, PUBSUB_COUNT).map(fullGlob);
    const channels = fullKeys.slice(0, PUBSUB_COUNT);
    const done = `${prefix}\u0000done`;
    const fromRedis = new Map(patterns.map((pattern) => [pattern, new Set<string>()]));
    const fromDriver = new Map(patterns.map((pattern) => [pattern, new Set<string>()]));

    const subscriber = redis.duplicate();
    const finished = new Promise<void>((resolve) => subscriber.on('message', () => resolve()));
    subscriber.on('pmessage', (pattern: string, channel: string) => {
      if (channel !== done) fromRedis.get(pattern)?.add(unprefixed(channel));
    });
    await subscriber.psubscribe(...patterns);
    await subscriber.subscribe(done);
    // One publishing connection: Redis delivers in order, so `done` arrives after every pmessage.
    for (const channel of channels) void redis.publish(channel, 'm');
    await redis.publish(done, 'm');
    await finished;
    await subscriber.quit();

    const driver = new MemoryDriver(1, new Logger('glob-differential'));
    for (const pattern of patterns) {
      await driver.psubscribe(pattern, (_, channel) =>
        fromDriver.get(pattern)!.add(unprefixed(channel)),
      );
    }
    for (const channel of channels) await driver.publish(channel, 'm');
    await new Promise((resolve) => setImmediate(resolve));
    await driver.close();

    expectSameSelections(
      patterns,
      (pattern) => fromRedis.get(pattern)!,
      (pattern) => fromDriver.get(pattern)!,
    );
  });
});
