import { randomUUID } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import type { CompleteDriver } from '../../drivers/store-driver.interface.js';
import { messageOf } from '../../errors/store.errors.js';
import { LateSubscription } from '../pubsub/late-subscription.js';
import type { L1Tier } from './l1-tier.js';

/**
 * What one instance tells the others: keys, tag keys or key patterns whose L1 copies are stale.
 * Never values.
 */
interface BusMessage {
  /** Origin instance. */
  o: string;
  k?: string[];
  t?: string[];
  p?: string[];
}

/**
 * Keeps every instance's L1 coherent: each write, delete, tag invalidation or pattern delete is
 * applied to the local L1 at once and announced on an internal channel; the other instances drop
 * their copies. After the subscriber connection comes back from a loss, L1 is cleared, since
 * announcements may have been missed (pub/sub is at-most-once).
 */
export class InvalidationBus {
  private readonly origin = randomUUID();
  private subscription: LateSubscription | null = null;
  private stopReconnectWatch: (() => void) | null = null;

  constructor(
    private readonly driver: CompleteDriver,
    private readonly channel: string,
    private readonly l1: L1Tier,
    private readonly logger: Logger,
  ) {}

  /**
   * Subscribes; L1 is only trustworthy once this has resolved. When the store cannot be reached,
   * L1 keeps nothing until the subscription is in place (tried again on every reconnect), so an
   * application boots without Redis and its L1 never serves a copy no bus would invalidate.
   */
  async start(): Promise<void> {
    this.stopReconnectWatch = this.driver.onSubscriberReconnect(() => {
      this.logger.warn('L1 cleared: the invalidation bus reconnected and may have missed messages');
      this.l1.clear();
    });
    this.subscription = new LateSubscription({
      subscribe: () => this.driver.subscribe(this.channel, (raw) => this.receive(raw)),
      onConnectionState: (listener) => this.driver.onConnectionState(listener),
      onWaiting: (error) => {
        if (!this.l1.isSuspended)
          this.logger.warn(`L1 off until the invalidation bus can subscribe: ${error.message}`);
        this.l1.suspend();
      },
      onEstablished: () => {
        if (this.l1.isSuspended) this.logger.log('L1 on: the invalidation bus is listening');
        this.l1.resume();
      },
      onFailed: (error) =>
        this.logger.error(
          `L1 stays off: the invalidation bus cannot subscribe: ${messageOf(error)}`,
        ),
    });
    await this.subscription.start();
  }

  /** Stops listening. */
  async stop(): Promise<void> {
    this.stopReconnectWatch?.();
    await this.subscription?.close();
  }

  /** Drops keys locally and on every other instance. */
  keysChanged(fullKeys: string[]): void {
    this.l1.deleteKeys(fullKeys);
    this.announce({ o: this.origin, k: fullKeys });
  }

  /** Drops entries carrying these tags locally and on every other instance. */
  tagsInvalidated(tagKeys: string[]): void {
    this.l1.deleteTags(tagKeys);
    this.announce({ o: this.origin, t: tagKeys });
  }

  /** Drops keys matching a glob locally and on every other instance. */
  patternDeleted(pattern: string): void {
    this.l1.deletePattern(pattern);
    this.announce({ o: this.origin, p: [pattern] });
  }

  private announce(message: BusMessage): void {
    this.driver.publish(this.channel, JSON.stringify(message)).catch((error: unknown) => {
      // Other instances keep their copies until their L1 TTL: say so rather than fail the write.
      this.logger.warn(
        `L1 invalidation not announced: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }

  private receive(raw: string): void {
    let message: BusMessage;
    try {
      message = JSON.parse(raw) as BusMessage;
    } catch {
      return;
    }
    if (message.o === this.origin) return;
    if (Array.isArray(message.k)) this.l1.deleteKeys(message.k);
    if (Array.isArray(message.t)) this.l1.deleteTags(message.t);
    if (Array.isArray(message.p)) for (const pattern of message.p) this.l1.deletePattern(pattern);
  }
}
