import { StoreConnectionError } from '../../errors/store.errors.js';
import type { StoreConnectionState, Unsubscribe } from '../../drivers/store-driver.interface.js';

/** How often a subscription waiting for the store tries again, besides on every reconnect. */
export const LATE_SUBSCRIPTION_RETRY_MS = 1_000;

/** What a `LateSubscription` subscribes with and hears from. */
export interface LateSubscriptionSource {
  /** Makes the server subscription. */
  subscribe(): Promise<Unsubscribe>;
  /** Calls `listener` on every change of the connection state; returns a function that stops. */
  onConnectionState(listener: (state: StoreConnectionState) => void): () => void;
  /** Told once each time the subscription has to wait for the store (it is not established). */
  onWaiting?(error: StoreConnectionError): void;
  /** Told when the subscription is in place (at once, or once the store came back). */
  onEstablished?(): void;
  /** Told when a later try failed otherwise than on reaching the store; there are no more tries. */
  onFailed?(error: unknown): void;
}

/**
 * A subscription that does not need the store to be reachable when it is made: when the store
 * cannot be reached (`StoreConnectionError`), it is tried again on every reconnect and every
 * second until it is in place, so an application boots while Redis is away and its listeners start
 * hearing once Redis is back. Any other failure (a refused subscription, a missing capability)
 * rejects `start()` as it is.
 */
export class LateSubscription {
  private unsubscribe: Unsubscribe | null = null;
  private stopWatching: (() => void) | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempt: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly source: LateSubscriptionSource) {}

  /** Whether the server subscription is in place. */
  get established(): boolean {
    return this.unsubscribe !== null;
  }

  /**
   * Subscribes now, or starts waiting for the store; rejects only on a failure other than one of
   * reaching the store.
   */
  start(): Promise<void> {
    return this.tryNow();
  }

  /** Stops waiting, and removes the subscription if it was made. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopRetrying();
    await this.attempt?.catch(() => undefined);
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    await unsubscribe?.().catch(() => undefined);
  }

  private tryNow(): Promise<void> {
    this.attempt ??= this.subscribeOnce().finally(() => (this.attempt = null));
    return this.attempt;
  }

  private async subscribeOnce(): Promise<void> {
    if (this.closed || this.established) return;
    try {
      const unsubscribe = await this.source.subscribe();
      if (this.closed) return void (await unsubscribe().catch(() => undefined));
      this.unsubscribe = unsubscribe;
      this.stopRetrying();
      this.source.onEstablished?.();
    } catch (error) {
      if (!(error instanceof StoreConnectionError) || this.closed) throw error;
      this.waitForStore();
      this.source.onWaiting?.(error);
    }
  }

  private waitForStore(): void {
    if (this.retryTimer !== null) return;
    const retry = () =>
      void this.tryNow().catch((error: unknown) => {
        this.stopRetrying();
        this.source.onFailed?.(error);
      });
    this.stopWatching = this.source.onConnectionState((state) => {
      if (state === 'connected') retry();
    });
    this.retryTimer = setInterval(retry, LATE_SUBSCRIPTION_RETRY_MS);
    this.retryTimer.unref();
  }

  private stopRetrying(): void {
    this.stopWatching?.();
    this.stopWatching = null;
    if (this.retryTimer !== null) clearInterval(this.retryTimer);
    this.retryTimer = null;
  }
}
