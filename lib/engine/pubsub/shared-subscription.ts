import type { Subscriber } from 'rxjs';
import type { Unsubscribe } from '../../drivers/store-driver.interface.js';

/** Subscribes one raw listener to a channel or pattern on the driver. */
export type RawSubscribe = (
  listener: (raw: string, channel: string) => void,
) => Promise<Unsubscribe>;

/**
 * One server subscription shared by every observer of a channel (or pattern): each message is
 * decoded once and handed to every observer. The observers are RxJS subscribers, so one that
 * throws is reported by RxJS and the others still get the message.
 */
export class SharedSubscription<T> {
  private readonly observers = new Set<Subscriber<T>>();
  private readonly unsubscribe: Promise<Unsubscribe | null>;
  private lingerTimer: NodeJS.Timeout | null = null;

  constructor(
    subscribe: RawSubscribe,
    private readonly decode: (raw: string, channel: string) => T | typeof SKIP,
    /** Called when the server refused the subscription; the entry is gone. */
    private readonly onRefused: () => void,
  ) {
    this.unsubscribe = subscribe((raw, channel) => this.deliver(raw, channel)).then(
      (unsubscribe) => unsubscribe,
      (error: unknown) => {
        this.onRefused();
        for (const observer of this.observers) observer.error(error);
        this.observers.clear();
        return null;
      },
    );
  }

  add(observer: Subscriber<T>): void {
    this.cancelLinger();
    this.observers.add(observer);
  }

  /** Removes an observer; true when it was the last. */
  remove(observer: Subscriber<T>): boolean {
    this.observers.delete(observer);
    return this.observers.size === 0;
  }

  /** Drops the server subscription after `ms` unless an observer arrives first. */
  linger(ms: number, onDrop: () => void): void {
    this.cancelLinger();
    const drop = () => {
      this.lingerTimer = null;
      onDrop();
      void this.close();
    };
    if (ms === 0) return drop();
    this.lingerTimer = setTimeout(drop, ms);
    this.lingerTimer.unref();
  }

  /** Completes every observer (the store is closing). */
  complete(): void {
    this.cancelLinger();
    for (const observer of this.observers) observer.complete();
    this.observers.clear();
  }

  async close(): Promise<void> {
    const unsubscribe = await this.unsubscribe;
    await unsubscribe?.().catch(() => undefined);
  }

  private cancelLinger(): void {
    if (this.lingerTimer === null) return;
    clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
  }

  private deliver(raw: string, channel: string): void {
    const value = this.decode(raw, channel);
    if (value === SKIP) return;
    for (const observer of this.observers) observer.next(value);
  }
}

/** What a decoder returns for a message it could not read (already counted and logged). */
export const SKIP: unique symbol = Symbol('skip');
