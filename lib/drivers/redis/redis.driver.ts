import { ALL_CAPABILITIES } from '../driver-capabilities.js';
import type { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { newToken } from '../../common/token.js';
import {
  rawValue,
  type RateLimitArgs,
  type RateLimitKeys,
  type RateLimitScript,
  type RawEntry,
  type RawHash,
  type RawValue,
  type RawMessageListener,
  type RawRateLimitReply,
  type StoreConnectionState,
  type CompleteDriver,
  type ConnectionProbe,
  type Unsubscribe,
} from '../store-driver.interface.js';
import { ConnectionStateTracker } from './connection-state.tracker.js';
import { logConnectionState } from './connection-logger.js';
import { StoreUnsupportedError } from '../../errors/store.errors.js';
import { fail, isWrongType, toStoreError } from './redis-errors.js';
import { SAFE_INCRBY } from './counter-scripts.js';
import { REPLACE_HASH } from './hash-scripts.js';
import { RateLimitBatcher } from './rate-limit-batcher.js';
import { boundWaits } from './bounded-waits.js';
import { ConnectionBreaker } from './connection-breaker.js';
import { pingProbe } from './ping-probe.js';
import { RedisSubscriber } from './redis-subscriber.js';
import { RedisStreams } from './redis-streams.js';
import { isCluster, masters, publishConnection } from './redis-topology.js';
import { deleteByPattern } from './scan-delete.js';
import { BUMP_TAG, DELETE_IF_OWNER, ENSURE_TAG, RENEW_IF_OWNER } from './tag-scripts.js';

/** How a `RedisDriver` uses its connections. */
export interface RedisDriverOptions {
  /** Channels use sharded pub/sub (SSUBSCRIBE / SPUBLISH) on a Cluster. */
  sharded?: boolean;
  /** Connection failures in a row that open a connection's circuit breaker; `null`: none. */
  breakerThreshold?: number | null;
}

/**
 * The Redis driver: standalone, Sentinel and Cluster behind one client type. Every command touches
 * one key, or keys it splits per key on a Cluster, so nothing ever fails with CROSSSLOT.
 */
export class RedisDriver implements CompleteDriver {
  /** Every capability. */
  readonly capabilities = ALL_CAPABILITIES;

  readonly kind = 'redis' as const;
  private readonly cluster: boolean;
  private readonly subscriber: RedisSubscriber;
  private readonly rateLimits: RateLimitBatcher;
  private readonly stopLogging: () => void;
  private readonly stopBounding: () => void;
  readonly streams: RedisStreams;
  private readonly state = new ConnectionStateTracker();
  private readonly sharded: boolean;
  private readonly breaker: ConnectionBreaker | null;

  constructor(
    readonly client: Redis | Cluster,
    private readonly owned: boolean,
    private readonly closeTimeoutMs: number,
    logger: Logger,
    options: RedisDriverOptions = {},
  ) {
    this.cluster = isCluster(client);
    this.sharded = (options.sharded ?? false) && this.cluster;
    const threshold = options.breakerThreshold ?? null;
    // A client passed in (`redis: { client }`) keeps the settings its owner gave it.
    const breaker = owned && threshold !== null ? new ConnectionBreaker(threshold) : null;
    this.breaker = breaker;
    this.state.track(client, breaker);
    this.subscriber = new RedisSubscriber(client, logger, {
      sharded: this.sharded,
      onOpen: (connection, subscriberBreaker) => this.state.track(connection, subscriberBreaker),
      commandTimeout: closeTimeoutMs,
      breakerThreshold: threshold,
    });
    this.stopBounding = owned ? boundWaits(client, closeTimeoutMs, breaker) : () => undefined;
    this.rateLimits = new RateLimitBatcher(client, this.cluster, (error) =>
      toStoreError(error, 'rateLimit'),
    );
    this.stopLogging = logConnectionState(client, 'command', logger, breaker);
    this.streams = new RedisStreams(client, closeTimeoutMs);
  }

  get<R>(key: string, decode: (raw: string | null) => R | PromiseLike<R>): Promise<R> {
    return this.client.get(key).then(decode, failGet);
  }

  read<R>(
    key: string,
    decode: (raw: RawValue) => R | PromiseLike<R>,
    expect: 'string' | 'hash',
  ): Promise<R> {
    if (expect === 'hash') {
      return this.client.hgetall(key).then(
        (fields) => decode(hashOrNull(fields)),
        (error: unknown) =>
          isWrongType(error) ? this.client.get(key).then(decode, failGet) : failGet(error),
      );
    }
    return this.client
      .get(key)
      .then(decode, (error: unknown) =>
        isWrongType(error) ? this.hash(key).then(decode) : failGet(error),
      );
  }

  async mget(keys: string[]): Promise<RawValue[]> {
    if (this.cluster) return Promise.all(keys.map((key) => this.read(key, rawValue, 'string')));
    const values: RawValue[] = await this.client.mget(keys).catch(fail('mget'));
    // MGET answers nil for a hash as for a missing key: ask those again as hashes (one more round
    // trip, misses only).
    await Promise.all(
      values.map(async (value, i) => {
        if (value === null) values[i] = await this.hash(keys[i]);
      }),
    );
    return values;
  }

  set(key: string, value: string, ttlMs?: number): Promise<void> {
    const reply =
      ttlMs === undefined ? this.client.set(key, value) : this.client.set(key, value, 'PX', ttlMs);
    return reply.then(ignoreReply, failSet);
  }

  async setHash(key: string, fields: RawHash, ttlMs?: number): Promise<void> {
    const args: string[] = [];
    for (const [field, value] of Object.entries(fields)) args.push(field, value);
    await REPLACE_HASH.run(this.client, [key], [ttlMs ?? 0, ...args]).catch(failSet);
  }

  async mset(entries: RawEntry[]): Promise<void> {
    // Concurrent writes share one auto-pipelined write (per node on a Cluster) and may span slots.
    await Promise.all(
      entries.map((entry) =>
        typeof entry.value === 'string'
          ? this.set(entry.key, entry.value, entry.ttlMs)
          : this.setHash(entry.key, entry.value, entry.ttlMs),
      ),
    );
  }

  async delete(keys: string[]): Promise<number> {
    if (!this.cluster) return this.client.unlink(...keys).catch(fail('delete'));
    const counts = await Promise.all(keys.map((key) => this.client.unlink(key))).catch(
      fail('delete'),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  }

  incrBy(key: string, by: number): Promise<number> {
    return SAFE_INCRBY.run(this.client, [key], [by]).then(Number, fail('increment'));
  }

  async pexpire(key: string, ttlMs: number): Promise<boolean> {
    return (await this.client.pexpire(key, ttlMs).catch(fail('expire'))) === 1;
  }

  pttl(key: string): Promise<number> {
    return this.client.pttl(key).catch(fail('ttl'));
  }

  deleteByPattern(pattern: string, keep: string): Promise<number> {
    return deleteByPattern(this.client, pattern, keep).catch(fail('deleteByPattern'));
  }

  async ensureTags(tagKeys: string[], ttlMs: number | undefined): Promise<string[]> {
    const tokens = tagKeys.map((tagKey) =>
      ENSURE_TAG.run(this.client, [tagKey], [newToken(), ttlMs ?? 0]),
    );
    return (await Promise.all(tokens).catch(fail('tag'))) as string[];
  }

  readTags(tagKeys: string[]): Promise<Array<string | null>> {
    const reply = this.cluster
      ? Promise.all(tagKeys.map((tagKey) => this.client.get(tagKey)))
      : this.client.mget(tagKeys);
    return reply.catch(fail('tag'));
  }

  async bumpTags(tagKeys: string[]): Promise<void> {
    await Promise.all(
      tagKeys.map((tagKey) => BUMP_TAG.run(this.client, [tagKey], [newToken()])),
    ).catch(fail('invalidateTags'));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.client.set(key, value, 'PX', ttlMs, 'NX').catch(fail('lock'))) === 'OK';
  }

  async renewIfOwner(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await RENEW_IF_OWNER.run(this.client, [key], [value, ttlMs]).catch(fail('lock'))) === 1;
  }

  async deleteIfOwner(key: string, value: string): Promise<boolean> {
    return (await DELETE_IF_OWNER.run(this.client, [key], [value]).catch(fail('lock'))) === 1;
  }

  rateLimit(
    script: RateLimitScript,
    keys: RateLimitKeys,
    args: RateLimitArgs,
  ): Promise<RawRateLimitReply> {
    return this.rateLimits.check(script, keys, args);
  }

  onSubscriberReconnect(listener: () => void): () => void {
    return this.subscriber.onReconnect(listener);
  }

  connectionState(): StoreConnectionState {
    return this.state.state();
  }

  onConnectionState(listener: (state: StoreConnectionState) => void): () => void {
    return this.state.onChange(listener);
  }

  publish(channel: string, message: string): Promise<number> {
    const sent = this.sharded
      ? (this.client.spublish(channel, message) as Promise<number>)
      : publishConnection(this.client, channel).publish(channel, message);
    return sent.catch(fail('publish'));
  }

  subscribe(channel: string, listener: RawMessageListener): Promise<Unsubscribe> {
    return this.subscriber.subscribe(channel, listener);
  }

  psubscribe(pattern: string, listener: RawMessageListener): Promise<Unsubscribe> {
    // Sharded messages (SPUBLISH) never reach PSUBSCRIBE, and Redis has no sharded patterns.
    if (this.sharded)
      return Promise.reject(
        new StoreUnsupportedError(
          'Patterns are not available with sharded pub/sub (pubsub.sharded: true on a Cluster): ' +
            'Redis has no sharded patterns, and sharded messages never reach PSUBSCRIBE',
        ),
      );
    return this.subscriber.psubscribe(pattern, listener);
  }

  async close(): Promise<void> {
    this.rateLimits.flush();
    await this.streams.close();
    await this.subscriber.close();
    this.stopLogging();
    if (this.owned) await closeGracefully(this.client, this.closeTimeoutMs);
    this.stopBounding();
    this.state.close();
  }

  /** PINGs the command connection (each master of a Cluster) and the subscriber, if open. */
  async probe(): Promise<ConnectionProbe[]> {
    const commands = masters(this.client).map((node) =>
      pingProbe(
        this.cluster ? `command ${node.options.host}:${node.options.port}` : 'command',
        node,
        this.breaker,
      ),
    );
    return [
      ...(await Promise.all([...commands, ...this.subscriber.probe()])),
      ...this.streams.probe(),
    ];
  }

  private hash(key: string): Promise<RawHash | null> {
    return this.client.hgetall(key).then(hashOrNull, failGet);
  }
}

/** HGETALL answers an empty hash for a missing key. */
function hashOrNull(fields: RawHash): RawHash | null {
  return Object.keys(fields).length === 0 ? null : fields;
}

// Hot-path handlers, made once rather than per call.
const failGet = fail('get');
const failSet = fail('set');
const ignoreReply = (): void => undefined;

/**
 * Lets in-flight commands finish, then closes. Auto-pipelined commands wait in ioredis's queue
 * until a later tick, so close first waits for that queue to empty; then a PING on every connection
 * resolves only after all replies before it. A client that is not connected, or does not answer in
 * time, is dropped. (Not QUIT: ioredis arms its socket timer for the QUIT and leaves it running
 * after the close, holding the process open.)
 */
async function closeGracefully(client: Redis | Cluster, timeoutMs: number): Promise<void> {
  // Commands sent while the first connection is still being made wait in the offline queue.
  if (CONNECTING.has(client.status)) await withTimeout(settled(client), timeoutMs);
  if (client.status === 'ready') await withTimeout(drain(client), timeoutMs);
  if (client.status === 'end') return;
  const ended = new Promise<void>((resolve) => client.once('end', resolve));
  client.disconnect();
  await withTimeout(ended, timeoutMs);
}

async function drain(client: Redis | Cluster): Promise<void> {
  while (client.autoPipelineQueueSize > 0 && client.status === 'ready') await nextTurn();
  await Promise.all(masters(client).map((connection) => connection.ping())).catch(() => undefined);
}

const CONNECTING = new Set(['connecting', 'connect']);

/** Resolves once the client is ready or has given up (closed, or reconnecting after a failure). */
function settled(client: Redis | Cluster): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      for (const event of ['ready', 'close', 'end']) client.off(event, done);
      resolve();
    };
    for (const event of ['ready', 'close', 'end']) client.once(event, done);
  });
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Waits for `promise`, but no longer than `ms`; the timer never outlives the wait. */
async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([promise, timedOut]);
  clearTimeout(timer);
}
