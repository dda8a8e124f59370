import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { StoreService } from '../../lib/index.js';

/** The channel the sample listens to itself, so a publish can be seen arriving. */
export const GREETINGS_CHANNEL = 'greetings';

export interface ReceivedMessage {
  channel: string;
  message: unknown;
  receivedAt: string;
}

/**
 * Publishes to any channel and listens on `greetings`. With Redis, every instance of the app
 * receives what any instance publishes; pub/sub is at-most-once, so nothing is replayed.
 */
@Injectable()
export class EventsService implements OnApplicationBootstrap, OnModuleDestroy {
  /** The last messages received on `greetings`, newest last. */
  readonly received: ReceivedMessage[] = [];

  private readonly logger = new Logger(EventsService.name);
  private unsubscribe?: () => Promise<void>;

  constructor(private readonly store: StoreService) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = await this.store.subscribe<unknown>(GREETINGS_CHANNEL, (message, channel) => {
      this.logger.log(`Received on "${channel}": ${JSON.stringify(message)}`);
      this.received.push({ channel, message, receivedAt: new Date().toISOString() });
      if (this.received.length > 20) this.received.shift();
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe?.();
  }

  /** Resolves to how many subscriptions received the message. */
  publish(channel: string, message: unknown): Promise<number> {
    return this.store.publish(channel, message);
  }
}
