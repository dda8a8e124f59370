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
  type RateLimitArgs,
  type RateLimitKeys,
  type RateLimitScript,
  type RawEntry,
  type RawHash,
  type RawMessageListener,
  type RawRateLimitReply,
  type RawValue,
  type StoreConnectionState,
  type StoreDriver,
  type StreamDriver,
  type Unsubscribe,
} from '../../lib/testing/index.js';
import { clusterNodes, harnessInfo } from '../support/harness-info.js';
import { testKeyPrefix } from '../support/key-prefix.js';

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

const memoryDriver = (): StoreDriver =>
  new MemoryDriver(100_000, new QuietLogger('driver-contract'));

/**
 * A driver as a third party writes one: a class of its own implementing `StoreDriver`, here by
 * handing every call to a wrapped backend (the memory driver, as an author might wrap a client).
 */
class WrappingDriver implements StoreDriver {
  readonly kind = 'memory' as const;
  readonly client = null;
  readonly streams: StreamDriver;

  constructor(protected readonly inner: StoreDriver) {
    this.streams = inner.streams;
  }

  get<R>(key: string, decode: (raw: string | null) => R | PromiseLike<R>): Promise<R> {
    return this.inner.get(key, decode);
  }
  read<R>(
    key: string,
    decode: (raw: RawValue) => R | PromiseLike<R>,
    expect: 'string' | 'hash',
  ): Promise<R> {
    return this.inner.read(key, decode, expect);
  }
  mget(keys: string[]): Promise<RawValue[]> {
    return this.inner.mget(keys);
  }
  set(key: string, value: string, ttlMs?: number): Promise<void> {
    return this.inner.set(key, value, ttlMs);
  }
  setHash(key: string, fields: RawHash, ttlMs?: number): Promise<void> {
    return this.inner.setHash(key, fields, ttlMs);
  }
  mset(entries: RawEntry[]): Promise<void> {
    return this.inner.mset(entries);
  }
  delete(keys: string[]): Promise<number> {
    return this.inner.delete(keys);
  }
  incrBy(key: string, by: number): Promise<number> {
    return this.inner.incrBy(key, by);
  }
  pexpire(key: string, ttlMs: number): Promise<boolean> {
    return this.inner.pexpire(key, ttlMs);
  }
  pttl(key: string): Promise<number> {
    return this.inner.pttl(key);
  }
  deleteByPattern(pattern: string, keep: string): Promise<number> {
    return this.inner.deleteByPattern(pattern, keep);
  }
  ensureTags(tagKeys: string[], ttlMs: number | undefined): Promise<string[]> {
    return this.inner.ensureTags(tagKeys, ttlMs);
  }
  readTags(tagKeys: string[]): Promise<Array<string | null>> {
    return this.inner.readTags(tagKeys);
  }
  bumpTags(tagKeys: string[]): Promise<void> {
    return this.inner.bumpTags(tagKeys);
  }
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.inner.setIfAbsent(key, value, ttlMs);
  }
  renewIfOwner(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.inner.renewIfOwner(key, value, ttlMs);
  }
  deleteIfOwner(key: string, value: string): Promise<boolean> {
    return this.inner.deleteIfOwner(key, value);
  }
  rateLimit(
    script: RateLimitScript,
    keys: RateLimitKeys,
    args: RateLimitArgs,
  ): Promise<RawRateLimitReply> {
    return this.inner.rateLimit(script, keys, args);
  }
  onSubscriberReconnect(listener: () => void): () => void {
    return this.inner.onSubscriberReconnect(listener);
  }
  connectionState(): StoreConnectionState {
    return this.inner.connectionState();
  }
  onConnectionState(listener: (state: StoreConnectionState) => void): () => void {
    return this.inner.onConnectionState(listener);
  }
  publish(channel: string, message: string): Promise<number> {
    return this.inner.publish(channel, message);
  }
  subscribe(channel: string, listener: RawMessageListener): Promise<Unsubscribe> {
    return this.inner.subscribe(channel, listener);
  }
  psubscribe(pattern: string, listener: RawMessageListener): Promise<Unsubscribe> {
    return this.inner.psubscribe(pattern, listener);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

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

  it('refuses options without a createDriver function', () => {
    expect(() => driverContract({} as DriverContractOptions)).toThrow(TypeError);
  });
});
