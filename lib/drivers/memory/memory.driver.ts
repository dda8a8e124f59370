import { ALL_CAPABILITIES } from '../driver-capabilities.js';
import type { Logger } from '@nestjs/common';
import { compileScanGlob } from '../../common/glob.js';
import { StoreCommandError } from '../../errors/store.errors.js';
import { newToken } from '../../common/token.js';
import { UNSAFE_INTEGER_REPLY } from '../counter-range.js';
import type {
  RateLimitArgs,
  RateLimitKeys,
  RateLimitScript,
  RawEntry,
  RawHash,
  RawMessageListener,
  RawRateLimitReply,
  RawValue,
  StoreConnectionState,
  CompleteDriver,
  ConnectionProbe,
  Unsubscribe,
} from '../store-driver.interface.js';
import { MemoryKeyspace, type MemoryEntry } from './memory-keyspace.js';
import { MemoryPubSub } from './memory-pubsub.js';
import { MemoryStreams } from './memory-streams.js';
import { memoryRateLimit } from './memory-rate-limit.js';

/** What Redis accepts as an integer for INCRBY: no sign but '-', no leading zeros, no spaces. */
const REDIS_INTEGER = /^(0|-?[1-9]\d*)$/;

/**
 * The embedded driver: the Redis driver's behaviour in process, for development and for users'
 * own unit tests. Held to the same contract suite as Redis, including its error cases.
 */
export class MemoryDriver implements CompleteDriver {
  /** Every capability. */
  readonly capabilities = ALL_CAPABILITIES;

  readonly kind = 'memory' as const;
  readonly client = null;
  private readonly keyspace: MemoryKeyspace;
  private readonly pubsub: MemoryPubSub;
  readonly streams: MemoryStreams;
  private readonly stateListeners = new Set<(state: StoreConnectionState) => void>();
  private closed = false;

  constructor(maxEntries: number, logger: Logger) {
    this.keyspace = new MemoryKeyspace(maxEntries);
    this.pubsub = new MemoryPubSub(logger);
    this.streams = new MemoryStreams();
  }

  async get<R>(key: string, decode: (raw: string | null) => R | PromiseLike<R>): Promise<R> {
    return decode(stringOf(this.keyspace.read(key), 'get'));
  }

  async read<R>(key: string, decode: (raw: RawValue) => R | PromiseLike<R>): Promise<R> {
    return decode(valueOf(this.keyspace.read(key)));
  }

  async mget(keys: string[]): Promise<RawValue[]> {
    return keys.map((key) => valueOf(this.keyspace.read(key)));
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.keyspace.write(key, value, ttlMs);
  }

  async setHash(key: string, fields: RawHash, ttlMs?: number): Promise<void> {
    this.keyspace.writeHash(key, fields, ttlMs);
  }

  async mset(entries: RawEntry[]): Promise<void> {
    for (const { key, value, ttlMs } of entries) {
      if (typeof value === 'string') this.keyspace.write(key, value, ttlMs);
      else this.keyspace.writeHash(key, value, ttlMs);
    }
  }

  async delete(keys: string[]): Promise<number> {
    return keys.filter((key) => this.keyspace.remove(key)).length;
  }

  async incrBy(key: string, by: number): Promise<number> {
    const entry = this.keyspace.read(key);
    stringOf(entry, 'increment');
    const current = entry ? Number(entry.value) : 0;
    const next = current + by;
    if (entry && !REDIS_INTEGER.test(entry.value)) {
      throw new StoreCommandError(
        'increment',
        new Error('ERR value is not an integer or out of range'),
        'ERR',
      );
    }
    if (!Number.isSafeInteger(current) || !Number.isSafeInteger(next))
      throw new StoreCommandError('increment', new Error(UNSAFE_INTEGER_REPLY), 'ERR');
    // Updating in place keeps the entry's TTL, as INCRBY does.
    if (entry) entry.value = String(next);
    else this.keyspace.write(key, String(next));
    return next;
  }

  async pexpire(key: string, ttlMs: number): Promise<boolean> {
    const entry = this.keyspace.read(key);
    if (entry) entry.expiresAt = Date.now() + ttlMs;
    return entry !== undefined;
  }

  async pttl(key: string): Promise<number> {
    const now = Date.now();
    const entry = this.keyspace.read(key, now);
    if (!entry) return -2;
    return entry.expiresAt === 0 ? -1 : entry.expiresAt - now;
  }

  async deleteByPattern(pattern: string, keep: string): Promise<number> {
    const matches = compileScanGlob(pattern);
    return this.keyspace
      .keys()
      .filter((key) => !key.startsWith(keep) && matches(key) && this.keyspace.remove(key)).length;
  }

  async ensureTags(tagKeys: string[], ttlMs: number | undefined): Promise<string[]> {
    const now = Date.now();
    return tagKeys.map((tagKey) => {
      const entry =
        this.keyspace.read(tagKey, now) ?? this.keyspace.write(tagKey, newToken(), ttlMs);
      if (ttlMs === undefined) entry.expiresAt = 0;
      else if (entry.expiresAt !== 0) entry.expiresAt = Math.max(entry.expiresAt, now + ttlMs);
      return entry.value;
    });
  }

  async readTags(tagKeys: string[]): Promise<Array<string | null>> {
    return tagKeys.map((tagKey) => stringOf(this.keyspace.read(tagKey), 'tag'));
  }

  async bumpTags(tagKeys: string[]): Promise<void> {
    for (const tagKey of tagKeys) {
      const entry = this.keyspace.read(tagKey);
      if (entry) entry.value = newToken();
    }
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.keyspace.read(key)) return false;
    this.keyspace.write(key, value, ttlMs);
    return true;
  }

  async renewIfOwner(key: string, value: string, ttlMs: number): Promise<boolean> {
    const entry = this.keyspace.read(key);
    if (entry?.value !== value) return false;
    entry.expiresAt = Date.now() + ttlMs;
    return true;
  }

  async deleteIfOwner(key: string, value: string): Promise<boolean> {
    return this.keyspace.read(key)?.value === value && this.keyspace.remove(key);
  }

  async rateLimit(
    script: RateLimitScript,
    keys: RateLimitKeys,
    args: RateLimitArgs,
  ): Promise<RawRateLimitReply> {
    return memoryRateLimit(this.keyspace, script, keys, args);
  }

  /** The memory driver never loses its (in-process) subscriptions. */
  onSubscriberReconnect(): () => void {
    return () => undefined;
  }

  connectionState(): StoreConnectionState {
    return this.closed ? 'closed' : 'connected';
  }

  onConnectionState(listener: (state: StoreConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  async publish(channel: string, message: string): Promise<number> {
    return this.pubsub.publish(channel, message);
  }

  subscribe(channel: string, listener: RawMessageListener): Promise<Unsubscribe> {
    return this.pubsub.subscribe(channel, listener);
  }

  psubscribe(pattern: string, listener: RawMessageListener): Promise<Unsubscribe> {
    return this.pubsub.psubscribe(pattern, listener);
  }

  /** The memory driver has no connection: it is healthy while open. */
  async probe(): Promise<ConnectionProbe[]> {
    const ok = this.connectionState() !== 'closed';
    return [{ connection: 'memory', ok, latencyMs: 0, ...(ok ? {} : { error: 'closed' }) }];
  }

  async close(): Promise<void> {
    this.pubsub.close();
    await this.streams.close();
    if (!this.closed) {
      this.closed = true;
      for (const listener of this.stateListeners) listener('closed');
      this.stateListeners.clear();
    }
    this.keyspace.clear();
  }
}

/**
 * The string an entry holds (`null` when missing); a hash is refused as Redis refuses it
 * (WRONGTYPE).
 */
function stringOf(entry: MemoryEntry | undefined, operation: string): string | null {
  if (entry?.fields) throw new StoreCommandError(operation, new Error(WRONGTYPE), 'WRONGTYPE');
  return entry?.value ?? null;
}

function valueOf(entry: MemoryEntry | undefined): RawValue {
  return entry === undefined ? null : (entry.fields ?? entry.value);
}

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
