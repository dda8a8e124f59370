import { Observable, distinctUntilChanged } from 'rxjs';
import type { StoreConnectionState, CompleteDriver } from '../../drivers/store-driver.interface.js';
import { SharedSubscription, type RawSubscribe, type SKIP } from './shared-subscription.js';

/**
 * Redis channels and patterns as hot Observables, for a store and all its namespaces. However many
 * observers a channel has, they share one `SharedSubscription`, hence one SUBSCRIBE on the
 * subscriber connection; when the last observer leaves, the subscription lingers `lingerMs` and
 * is then dropped (UNSUBSCRIBE). Reconnects are handled below (the driver re-subscribes), so the
 * Observables neither error nor complete on a transient disconnect; they complete when the store
 * closes, and error only when the server refuses their subscription (e.g. an ACL).
 */
export class ChannelBridge {
  private readonly shared = new Map<string, SharedSubscription<unknown>>();
  /** Observers of `connectionState$`, told `closed` when the store starts closing. */
  private readonly stateObservers = new Set<() => void>();
  private closed = false;

  /** The driver's connection state, current value first; completes after `closed`. */
  readonly connectionState$: Observable<StoreConnectionState>;

  constructor(
    driver: CompleteDriver,
    private readonly lingerMs: number,
  ) {
    this.connectionState$ = new Observable<StoreConnectionState>((observer) => {
      const emit = (state: StoreConnectionState) => {
        observer.next(state);
        if (state === 'closed') observer.complete();
      };
      if (this.closed) return emit('closed');
      emit(driver.connectionState());
      const close = () => emit('closed');
      this.stateObservers.add(close);
      const stopListening = driver.onConnectionState(emit);
      return () => {
        this.stateObservers.delete(close);
        stopListening();
      };
    }).pipe(distinctUntilChanged());
  }

  /**
   * A hot Observable of the messages behind `id` (one id per Redis channel or pattern): the first
   * observer makes the subscription with `subscribe`, every message is decoded once with `decode`.
   */
  observe<T>(
    id: string,
    subscribe: RawSubscribe,
    decode: (raw: string, channel: string) => T | typeof SKIP,
  ): Observable<T> {
    return new Observable<T>((observer) => {
      if (this.closed) {
        observer.complete();
        return undefined;
      }
      const entry = this.entry(id, subscribe, decode);
      entry.add(observer);
      return () => {
        if (entry.remove(observer) && this.shared.get(id) === entry)
          entry.linger(this.lingerMs, () => this.shared.delete(id));
      };
    });
  }

  /**
   * Completes every observer (`connectionState$` after a last `closed`) and drops every
   * subscription (the store is closing).
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const close of [...this.stateObservers]) close();
    const entries = [...this.shared.values()];
    this.shared.clear();
    for (const entry of entries) entry.complete();
    await Promise.all(entries.map((entry) => entry.close()));
  }

  private entry<T>(
    id: string,
    subscribe: RawSubscribe,
    decode: (raw: string, channel: string) => T | typeof SKIP,
  ): SharedSubscription<T> {
    const known = this.shared.get(id) as SharedSubscription<T> | undefined;
    if (known) return known;
    const entry: SharedSubscription<T> = new SharedSubscription<T>(subscribe, decode, () => {
      if (this.shared.get(id) === entry) this.shared.delete(id);
    });
    this.shared.set(id, entry as SharedSubscription<unknown>);
    return entry;
  }
}
