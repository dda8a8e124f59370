import { Injectable, Logger } from '@nestjs/common';
import type { Observable } from 'rxjs';
// In your own app: import { OnChannel, StoreService } from 'nestjs-store';
import { OnChannel, StoreService } from '../../lib/index.js';

/** The channel the sample listens to itself, so a publish can be seen arriving. */
export const GREETINGS_CHANNEL = 'greetings';

export interface ReceivedMessage {
  channel: string;
  message: unknown;
  receivedAt: string;
}

/**
 * Publishes to any channel, listens on `greetings` (`@OnChannel`) and streams channels as
 * Observables. With Redis, every instance of the app receives what any instance publishes;
 * pub/sub is at-most-once, so nothing is replayed.
 */
@Injectable()
export class EventsService {
  /** The last messages received on `greetings`, newest last. */
  readonly received: ReceivedMessage[] = [];

  private readonly logger = new Logger(EventsService.name);

  constructor(private readonly store: StoreService) {}

  @OnChannel(GREETINGS_CHANNEL)
  onGreeting(message: unknown, channel: string): void {
    this.logger.log(`Received on "${channel}": ${JSON.stringify(message)}`);
    this.received.push({ channel, message, receivedAt: new Date().toISOString() });
    if (this.received.length > 20) this.received.shift();
  }

  /** Resolves to how many subscriptions received the message. */
  publish(channel: string, message: unknown): Promise<number> {
    return this.store.publish(channel, message);
  }

  /** Every message published on `channel` from now on (one Redis subscription, however many browsers watch). */
  watch(channel: string): Observable<unknown> {
    return this.store.channel<unknown>(channel);
  }
}
