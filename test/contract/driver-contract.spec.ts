/**
 * The exported driver contract (`nestjs-store/testing`), run as a third party would run it: against
 * the built-in drivers (memory; Redis standalone and Cluster, built the way StoreModule builds
 * them), against a driver class written here that wraps the memory driver, and against a broken
 * driver, which it must catch.
 */
import { AssertionError } from 'node:assert';
import { Logger } from '@nestjs/common';
import { resolveStoreOptions } from '../../lib/config/resolved-options.js';
import { createDriver } from '../../lib/config/driver.factory.js';
import type { StoreModuleOptions } from '../../lib/index.js';
import {
  driverContract,
  MemoryDriver,
  type DriverContractCase,
  type DriverContractOptions,
  type StoreDriver,
} from '../../lib/testing/index.js';
import { clusterNodes, harnessInfo } from '../support/harness-info.js';
import { testKeyPrefix } from '../support/key-prefix.js';
import { CoreOnlyDriver, PubSubOnlyDriver, WrappingDriver } from './wrapping-drivers.js';

/** Drivers log listener errors and connection changes; the contract provokes both on purpose. */
class QuietLogger extends Logger {
  override log(): void {}
  override warn(): void {}
  override error(): void {}
  override debug(): void {}
  override verbose(): void {}
}

/** Registers one Jest test per contract case. */
function itMeetsTheContract(options: DriverContractOptions): void {
  for (const contractCase of driverContract(options)) it(contractCase.name, contractCase.run);
}

/** A Redis driver exactly as StoreModule builds it from `redis`. */
function redisDriver(redis: () => StoreModuleOptions['redis']): () => StoreDriver {
  return () => {
    const options: StoreModuleOptions = { redis: redis() };
    return createDriver(options, resolveStoreOptions(options), new QuietLogger('driver-contract'));
  };
}

/** A list: a Redis type no StoreDriver method writes (WRONGTYPE for every read). */
async function writeList(driver: StoreDriver, key: string): Promise<void> {
  await driver.client!.rpush(key, 'item');
}

const memoryDriver = (): MemoryDriver =>
  new MemoryDriver(100_000, new QuietLogger('driver-contract'));

/** Broken on purpose: `get` keeps serving a value written with a TTL after the TTL ran out. */
class StaleGetDriver extends WrappingDriver {
  private readonly written = new Map<string, string>();

  override set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs === undefined) this.written.delete(key);
    else this.written.set(key, value);
    return super.set(key, value, ttlMs);
  }

  override get<R>(key: string, decode: (raw: string | null) => R | PromiseLike<R>): Promise<R> {
    return super.get(key, (raw) => decode(raw ?? this.written.get(key) ?? null));
  }

  override delete(keys: string[]): Promise<number> {
    for (const key of keys) this.written.delete(key);
    return super.delete(keys);
  }
}

describe('driver contract: memory driver', () => {
  itMeetsTheContract({ createDriver: memoryDriver });
});

describe('driver contract: Redis standalone', () => {
  itMeetsTheContract({
    createDriver: redisDriver(() => harnessInfo().standaloneUrl),
    keyPrefix: testKeyPrefix('driver-contract'),
    writeOtherType: writeList,
  });
});

describe('driver contract: Redis Cluster (3 masters)', () => {
  itMeetsTheContract({
    createDriver: redisDriver(() => ({ cluster: { nodes: clusterNodes() } })),
    keyPrefix: testKeyPrefix('driver-contract'),
    nodeLocalPublishCount: true,
    writeOtherType: writeList,
  });
});

describe('driver contract: a third-party driver class wrapping the memory driver', () => {
  itMeetsTheContract({ createDriver: () => new WrappingDriver(memoryDriver()) });
});

describe('driver contract: a third-party driver with the core only', () => {
  const options = { createDriver: () => new CoreOnlyDriver(memoryDriver()), capabilities: [] };
  itMeetsTheContract(options);

  it('runs the core cases only (23 without writeOtherType), none of an optional capability', () => {
    const groups = new Set(driverContract(options).map((c) => c.group));
    expect([...groups].sort()).toEqual(
      [
        'capabilities',
        'close',
        'connection',
        'delete',
        'deleteByPattern',
        'expiry',
        'hashes',
        'increment',
        'strings',
      ].sort(),
    );
    expect(driverContract(options)).toHaveLength(23);
  });
});

describe('driver contract: a third-party driver with the core and pub/sub', () => {
  itMeetsTheContract({
    createDriver: () => new PubSubOnlyDriver(memoryDriver()),
    capabilities: ['pubsub'],
  });
});

describe('driver contract: a broken driver', () => {
  /** The contract's outcome per case, failures with their error. */
  async function outcomes(cases: DriverContractCase[]): Promise<Map<string, unknown>> {
    const failures = new Map<string, unknown>();
    for (const contractCase of cases)
      await contractCase.run().catch((error: unknown) => failures.set(contractCase.name, error));
    return failures;
  }

  it('fails exactly the case a get that ignores expiry breaks, with an AssertionError saying what was expected', async () => {
    const cases = driverContract({
      createDriver: () => new StaleGetDriver(memoryDriver()),
      timeoutMs: 2_000,
    });
    const failures = await outcomes(cases);
    const ttlCase = cases.find((c) => c.name.startsWith('strings: a TTL is in milliseconds'))!;
    expect([...failures.keys()]).toEqual([ttlCase.name]);
    const error = failures.get(ttlCase.name);
    expect(error).toBeInstanceOf(AssertionError);
    expect((error as Error).message).toContain('get to answer null once the 40 ms TTL ran out');
  });

  it('fails the capabilities case of a core-only driver declared (by default) with every capability', async () => {
    const cases = driverContract({ createDriver: () => new CoreOnlyDriver(memoryDriver()) });
    const capabilityCase = cases.find((c) => c.group === 'capabilities')!;
    const error: unknown = await capabilityCase.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssertionError);
    expect((error as Error).message).toContain('the capabilities the driver has');
  });

  it('fails the capabilities case of a driver with part of a capability, naming what is missing', async () => {
    const cases = driverContract({
      createDriver: () => {
        const driver = new CoreOnlyDriver(memoryDriver());
        return Object.assign(driver, { publish: () => Promise.resolve(0) });
      },
      capabilities: [],
    });
    const error: unknown = await cases
      .find((c) => c.group === 'capabilities')!
      .run()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssertionError);
    expect((error as Error).message).toContain('subscribe()');
  });

  it('refuses capabilities it does not know', () => {
    expect(() =>
      driverContract({
        createDriver: memoryDriver,
        capabilities: ['json' as never],
      }),
    ).toThrow(
      /capabilities must be an array of 'tags', 'leases', 'rateLimit', 'pubsub', 'streams'/,
    );
  });

  it('refuses options without a createDriver function', () => {
    expect(() => driverContract({} as DriverContractOptions)).toThrow(TypeError);
  });
});
