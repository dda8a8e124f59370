import { randomUUID } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import type { CompleteDriver } from '../../drivers/store-driver.interface.js';
import { messageOf } from '../../errors/store.errors.js';
import { LateSubscription } from '../pubsub/late-subscription.js';

/** One reset, as instances tell each other: the policy's algorithm and name, the caller key. */
export interface RateLimitReset {
  algorithm: string;
  name: string;
  key: string;
}

/** What a `RateLimitResetBus` tells its limiter. */
export interface RateLimitResetListener {
  /** Another instance reset a key: forget what is held in process for it. */
  reset(reset: RateLimitReset): void;
  /**
   * Resets may have been missed (the subscription is new, or back after a loss): forget every
   * refusal held in process, the store decides again.
   */
  missed(): void;
}

/** A reset on the wire: origin instance, algorithm, policy name, caller key. Never counts. */
interface ResetMessage {
  o: string;
  a: string;
  n: string;
  k: string;
}

/**
 * Makes `RateLimiterService.reset` cluster-wide: a reset is announced on an internal channel
 * (`{keyPrefix}{internalSegment}:bus:rl`), and every instance forgets the refusal (and the
 * `failure: 'memory'` count) it holds in process for that key.
 *
 * The subscription is made lazily, on the first refusal the limiter remembers: until then there
 * is nothing to forget, and an instance that never refuses never opens a subscriber connection.
 * No reset is missed by an instance that holds a refusal, because
 * - `missed()` runs when the subscription is established and after every subscriber reconnect, so
 *   a refusal learned while a reset could not be heard is dropped as soon as one can be heard;
 * - while the subscription is in place, a reset published after a check ran in the store reaches
 *   the limiter after that check was sent, and the limiter keeps a refusal only if no reset
 *   arrived while its check was under way (`RateLimiterService`'s generation), or forgets it when
 *   the reset arrives later.
 * On an in-process driver (`kind: 'memory'`) subscribing costs no connection: the limiter listens
 * from the start. Without the `pubsub` capability there is no bus and resets stay local.
 */
export class RateLimitResetBus {
  private readonly origin = randomUUID();
  private subscription: LateSubscription | null = null;
  private readonly stops: Array<() => void> = [];
  private waiting = false;
  private closed = false;

  constructor(
    private readonly driver: CompleteDriver,
    private readonly channel: string,
    private readonly logger: Logger,
    private readonly listener: RateLimitResetListener,
  ) {}

  /** Whether the subscription is in place. */
  get listening(): boolean {
    return this.subscription?.established ?? false;
  }

  /**
   * Subscribes, once; never waits: when the store cannot be reached, the subscription is made once
   * it is back (`LateSubscription`).
   */
  listen(): void {
    if (this.subscription !== null || this.closed) return;
    const { driver } = this;
    // A closed store is not reopened by a late subscriber (it would open a new connection).
    if (driver.connectionState() === 'closed') return;
    this.stops.push(
      driver.onSubscriberReconnect(() => this.listener.missed()),
      driver.onConnectionState((state) => {
        if (state === 'closed') void this.close();
      }),
    );
    this.subscription = new LateSubscription({
      subscribe: () => driver.subscribe(this.channel, (raw) => this.receive(raw)),
      onConnectionState: (listener) => driver.onConnectionState(listener),
      onWaiting: (error) => {
        if (!this.waiting)
          this.logger.warn(
            `Rate-limit resets of other instances are heard once the store is back: ` +
              error.message,
          );
        this.waiting = true;
      },
      onEstablished: () => {
        this.waiting = false;
        this.listener.missed();
      },
      onFailed: (error) => this.failed(error),
    });
    this.subscription.start().catch((error: unknown) => this.failed(error));
  }

  /** Tells every other instance about a reset; rejects with the store's error when it cannot. */
  async announce(reset: RateLimitReset): Promise<void> {
    const message: ResetMessage = {
      o: this.origin,
      a: reset.algorithm,
      n: reset.name,
      k: reset.key,
    };
    await this.driver.publish(this.channel, JSON.stringify(message));
  }

  /** Stops listening. */
  async close(): Promise<void> {
    this.closed = true;
    for (const stop of this.stops.splice(0)) stop();
    await this.subscription?.close();
  }

  private failed(error: unknown): void {
    if (this.closed) return;
    this.logger.error(`Rate-limit resets of other instances are not heard: ${messageOf(error)}`);
  }

  private receive(raw: string): void {
    let message: Partial<ResetMessage>;
    try {
      message = JSON.parse(raw) as Partial<ResetMessage>;
    } catch {
      return;
    }
    if (message === null || typeof message !== 'object' || message.o === this.origin) return;
    const { a, n, k } = message;
    if (typeof a !== 'string' || typeof n !== 'string' || typeof k !== 'string') return;
    this.listener.reset({ algorithm: a, name: n, key: k });
  }
}
