import type { Logger } from '@nestjs/common';
import type { RawMessageListener, Unsubscribe } from './store-driver.interface.js';

/** The registries' listener-error handler: a throwing subscriber is logged, never propagated. */
export function logListenerError(
  logger: Pick<Logger, 'error'>,
): (error: unknown, name: string) => void {
  return (error, name) =>
    logger.error(
      `A subscriber of "${name}" threw: ` +
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
}

/** How a registry tells the server about the first listener of a name and the last one leaving. */
export interface SubscriptionServer {
  add(name: string): Promise<void>;
  remove(name: string): Promise<void>;
}

interface Entry {
  listeners: Set<RawMessageListener>;
  ready: Promise<void>;
}

/**
 * Reference-counted subscriptions: any number of listeners of one channel (or pattern) share one
 * server-side subscription, made when the first arrives and dropped when the last leaves. Messages
 * are routed through one map lookup, never one connection listener per subscription.
 */
export class SubscriptionRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly server: SubscriptionServer,
    private readonly onListenerError: (error: unknown, name: string) => void,
  ) {}

  /** Adds a listener; resolves once the server subscription is confirmed. */
  async add(name: string, listener: RawMessageListener): Promise<Unsubscribe> {
    const entry = this.entries.get(name) ?? this.open(name);
    entry.listeners.add(listener);
    try {
      await entry.ready;
    } catch (error) {
      entry.listeners.delete(listener);
      throw error;
    }
    let removed = false;
    return async () => {
      if (removed) return;
      removed = true;
      await this.remove(name, entry, listener);
    };
  }

  /**
   * Delivers a message to every listener of `name`; one listener throwing does not affect the
   * others.
   */
  dispatch(name: string, message: string, channel: string): void {
    const entry = this.entries.get(name);
    if (!entry) return;
    for (const listener of entry.listeners) {
      try {
        listener(message, channel);
      } catch (error) {
        this.onListenerError(error, name);
      }
    }
  }

  /** Whether `name` has a (possibly pending) server subscription. */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Every subscribed name. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Forgets every subscription without telling the server (the connection is going away). */
  clear(): void {
    this.entries.clear();
  }

  private open(name: string): Entry {
    const entry: Entry = { listeners: new Set(), ready: this.server.add(name) };
    this.entries.set(name, entry);
    entry.ready.catch(() => {
      if (this.entries.get(name) === entry) this.entries.delete(name);
    });
    return entry;
  }

  private async remove(name: string, entry: Entry, listener: RawMessageListener): Promise<void> {
    entry.listeners.delete(listener);
    if (entry.listeners.size > 0 || this.entries.get(name) !== entry) return;
    this.entries.delete(name);
    await this.server.remove(name);
  }
}
