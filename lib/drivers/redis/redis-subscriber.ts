import type { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { SubscriptionRegistry, logListenerError } from '../subscription-registry.js';
import type {
  ConnectionProbe,
  RawMessageListener,
  Unsubscribe,
} from '../store-driver.interface.js';
import { pingProbe } from './ping-probe.js';
import { boundWaits } from './bounded-waits.js';
import { ConnectionBreaker } from './connection-breaker.js';
import { logConnectionState } from './connection-logger.js';
import { toStoreError } from './redis-errors.js';
import { isCluster } from './redis-topology.js';

/** How the subscriber connection is made and used. */
export interface RedisSubscriberOptions {
  /** Channels use sharded pub/sub (SSUBSCRIBE; Cluster only). Patterns always use PSUBSCRIBE. */
  sharded: boolean;
  /**
   * Called once with the subscriber connection when it is first ready (to follow its state from
   * then on: opening it on the first subscription is not a loss of connection).
   */
  onOpen: (connection: Redis | Cluster, breaker: ConnectionBreaker | null) => void;
  /** The longest a subscription command may wait (see `boundWaits`). */
  commandTimeout: number;
  /** Connection failures in a row that open the connection's circuit breaker; `null`: none. */
  breakerThreshold: number | null;
}

/**
 * The subscriber connection: a duplicate of the command client, created on the first subscription
 * (a subscribed connection cannot run other commands). One `message` (or `smessage`) and one
 * `pmessage` listener route every message through the registries.
 *
 * After a reconnect the subscriber issues every registered subscription again (on a Cluster,
 * after ioredis's own re-subscription; Redis ignores a SUBSCRIBE for a channel the connection
 * already has), so every registered channel is known to be live.
 */
export class RedisSubscriber {
  private connection: Redis | Cluster | null = null;
  private stopBounding: (() => void) | null = null;
  private breaker: ConnectionBreaker | null = null;
  private readonly channels: SubscriptionRegistry;
  private readonly patterns: SubscriptionRegistry;
  private readonly reconnectListeners = new Set<() => void>();

  constructor(
    private readonly commandClient: Redis | Cluster,
    private readonly logger: Logger,
    private readonly options: RedisSubscriberOptions,
  ) {
    const onListenerError = logListenerError(logger);
    this.channels = new SubscriptionRegistry(
      {
        add: (name) => this.command('subscribe', (c) => this.subscribeChannel(c, name)),
        remove: (name) => this.command('unsubscribe', (c) => this.unsubscribeChannel(c, name)),
      },
      onListenerError,
    );
    this.patterns = new SubscriptionRegistry(
      {
        add: (name) => this.command('psubscribe', (c) => c.psubscribe(name)),
        remove: (name) => this.command('punsubscribe', (c) => c.punsubscribe(name)),
      },
      onListenerError,
    );
  }

  /** Subscribes `listener` to one channel. */
  subscribe(channel: string, listener: RawMessageListener): Promise<Unsubscribe> {
    return this.channels.add(channel, listener);
  }

  /** Subscribes `listener` to a glob of channels. */
  psubscribe(pattern: string, listener: RawMessageListener): Promise<Unsubscribe> {
    return this.patterns.add(pattern, listener);
  }

  /** Calls `listener` whenever the subscriber connection is ready again after a loss. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** A health probe of the subscriber connection, once one was opened. */
  probe(): Array<Promise<ConnectionProbe>> {
    return this.connection ? [pingProbe('subscriber', this.connection, this.breaker)] : [];
  }

  /** Closes the subscriber connection, if one was opened. */
  async close(): Promise<void> {
    this.channels.clear();
    this.patterns.clear();
    this.reconnectListeners.clear();
    const connection = this.connection;
    this.connection = null;
    this.stopBounding?.();
    if (connection) connection.disconnect();
  }

  private get sharded(): boolean {
    return this.options.sharded && isCluster(this.commandClient);
  }

  private subscribeChannel(connection: Redis | Cluster, channel: string): Promise<unknown> {
    return this.sharded ? connection.ssubscribe(channel) : connection.subscribe(channel);
  }

  private unsubscribeChannel(connection: Redis | Cluster, channel: string): Promise<unknown> {
    return this.sharded ? connection.sunsubscribe(channel) : connection.unsubscribe(channel);
  }

  private async command(
    operation: string,
    run: (connection: Redis | Cluster) => Promise<unknown>,
  ): Promise<void> {
    try {
      await run(this.open());
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }

  private open(): Redis | Cluster {
    if (this.connection) return this.connection;
    const connection = this.duplicate();
    const { breakerThreshold, commandTimeout } = this.options;
    const breaker = breakerThreshold === null ? null : new ConnectionBreaker(breakerThreshold);
    this.breaker = breaker;
    this.stopBounding = boundWaits(connection, commandTimeout, breaker);
    logConnectionState(connection, 'subscriber', this.logger, breaker);
    connection.on(this.sharded ? 'smessage' : 'message', (channel: string, message: string) =>
      this.channels.dispatch(channel, message, channel),
    );
    connection.on('pmessage', (pattern: string, channel: string, message: string) =>
      this.patterns.dispatch(pattern, message, channel),
    );
    let readyBefore = false;
    connection.on('ready', () => {
      if (readyBefore) this.afterReconnect(connection);
      else this.options.onOpen(connection, breaker);
      readyBefore = true;
    });
    this.connection = connection;
    return connection;
  }

  /**
   * A new connection to the same server(s) with the same options (sharded subscribers on a Cluster
   * when asked).
   */
  private duplicate(): Redis | Cluster {
    const client = this.commandClient;
    // Not ioredis's own resubscribe: it sends SUBSCRIBE on `ready` and leaves a rejection
    // unhandled, so a connection lost again at once failed the process; `reissue` does it, handled.
    if (!isCluster(client)) return client.duplicate({ autoResubscribe: false });
    return this.sharded ? client.duplicate([], { shardedSubscribers: true }) : client.duplicate();
  }

  private afterReconnect(connection: Redis | Cluster): void {
    // What was published during the gap is lost: tell listeners (the L1 tier drops what it holds).
    for (const listener of this.reconnectListeners) listener();
    void this.reissue(connection);
  }

  private async reissue(connection: Redis | Cluster): Promise<void> {
    const channels = this.channels.names();
    const patterns = this.patterns.names();
    const issued = [
      ...channels.map((channel) => this.subscribeChannel(connection, channel)),
      ...(patterns.length > 0 ? [connection.psubscribe(...patterns)] : []),
    ];
    const results = await Promise.allSettled(issued);
    const failures = results.filter((result) => result.status === 'rejected');
    if (failures.length > 0) {
      const reason = (failures[0] as PromiseRejectedResult).reason as unknown;
      this.logger.warn(
        `Re-subscribing after a reconnect failed for ${failures.length} subscription(s): ` +
          `${reason instanceof Error ? reason.message : String(reason)}`,
      );
      return;
    }
    this.verify(results, channels.length + patterns.length);
  }

  /**
   * Each (P)SUBSCRIBE reply carries how many subscriptions the connection now holds, so the last
   * one tells whether every registered subscription is in place. (Sharded replies count per shard,
   * so they are not compared.)
   */
  private verify(results: Array<PromiseSettledResult<unknown>>, expected: number): void {
    if (this.sharded || expected === 0) return;
    const held = Math.max(
      ...results.map((result) => (result.status === 'fulfilled' ? Number(result.value) : 0)),
    );
    if (held < expected)
      this.logger.warn(
        `After a reconnect the subscriber holds ${held} of ${expected} subscriptions`,
      );
  }
}
