import type { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { SubscriptionRegistry, logListenerError } from '../subscription-registry.js';
import type { RawMessageListener, Unsubscribe } from '../store-driver.interface.js';
import { logConnectionState } from './connection-logger.js';
import { toStoreError } from './redis-errors.js';
import { isCluster } from './redis-topology.js';

/**
 * The subscriber connection: a duplicate of the command client, created on the first subscription
 * (a subscribed connection cannot run other commands). One `message` and one `pmessage` listener
 * route every message through the registries; ioredis re-subscribes by itself after a reconnect.
 */
export class RedisSubscriber {
  private connection: Redis | Cluster | null = null;
  private readonly channels: SubscriptionRegistry;
  private readonly patterns: SubscriptionRegistry;
  private readonly reconnectListeners = new Set<() => void>();

  constructor(
    private readonly commandClient: Redis | Cluster,
    private readonly logger: Logger,
  ) {
    const onListenerError = logListenerError(logger);
    this.channels = new SubscriptionRegistry(
      { add: (name) => this.command('subscribe', (c) => c.subscribe(name)), remove: (name) => this.command('unsubscribe', (c) => c.unsubscribe(name)) },
      onListenerError,
    );
    this.patterns = new SubscriptionRegistry(
      { add: (name) => this.command('psubscribe', (c) => c.psubscribe(name)), remove: (name) => this.command('punsubscribe', (c) => c.punsubscribe(name)) },
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

  /** Closes the subscriber connection, if one was opened. */
  async close(): Promise<void> {
    this.channels.clear();
    this.patterns.clear();
    this.reconnectListeners.clear();
    const connection = this.connection;
    this.connection = null;
    if (connection) connection.disconnect();
  }

  private async command(operation: string, run: (connection: Redis | Cluster) => Promise<unknown>): Promise<void> {
    try {
      await run(this.open());
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }

  private open(): Redis | Cluster {
    if (this.connection) return this.connection;
    const connection = duplicate(this.commandClient);
    logConnectionState(connection, 'subscriber', this.logger);
    connection.on('message', (channel: string, message: string) => this.channels.dispatch(channel, message, channel));
    let readyBefore = false;
    connection.on('ready', () => {
      // ioredis re-subscribes by itself; what was published during the gap is lost, so tell listeners.
      if (readyBefore) for (const listener of this.reconnectListeners) listener();
      readyBefore = true;
    });
    connection.on('pmessage', (pattern: string, channel: string, message: string) =>
      this.patterns.dispatch(pattern, message, channel),
    );
    this.connection = connection;
    return connection;
  }
}

/** A new connection to the same server(s) with the same options. */
function duplicate(client: Redis | Cluster): Redis | Cluster {
  return isCluster(client) ? client.duplicate() : client.duplicate();
}
