import type { RawMessageListener } from '../drivers/store-driver.interface.js';

/** One delivery to a listener. */
export interface LoggedMessage {
  message: string;
  channel: string;
}

/** A listener that keeps what it receives, for cases to wait on and compare. */
export class MessageLog {
  readonly received: LoggedMessage[] = [];
  /** Pass this to `subscribe` / `psubscribe`. */
  readonly listener: RawMessageListener = (message, channel) => {
    this.received.push({ message, channel });
  };

  /** The messages received so far, in order. */
  get messages(): string[] {
    return this.received.map((entry) => entry.message);
  }

  /** Whether `message` has arrived. */
  has(message: string): boolean {
    return this.received.some((entry) => entry.message === message);
  }
}
