import type { Cluster, Redis } from 'ioredis';
import type { StoreConnectionState } from '../store-driver.interface.js';
import type { ConnectionBreaker } from './connection-breaker.js';

const STATUS_EVENTS = ['ready', 'connect', 'close', 'reconnecting', 'end'] as const;

/**
 * One state for the connections a driver depends on (the command client and, once opened, the
 * subscriber): `connected` while all are ready, `reconnecting` while any is not (first connect
 * included), `circuit-open` while, besides, a breaker is open, `closed` once the driver is closed
 * or a client has ended for good.
 */
export class ConnectionStateTracker {
  private readonly clients: Array<Redis | Cluster> = [];
  private readonly breakers: ConnectionBreaker[] = [];
  private readonly listeners = new Set<(state: StoreConnectionState) => void>();
  private readonly detachers: Array<() => void> = [];
  private current: StoreConnectionState = 'reconnecting';
  private closed = false;

  /** Follows `client`'s status, and its breaker's when it has one, from now on. */
  track(client: Redis | Cluster, breaker: ConnectionBreaker | null = null): void {
    this.clients.push(client);
    const update = () => this.update();
    for (const event of STATUS_EVENTS) client.on(event, update);
    const stopBreaker = breaker?.onChange(update);
    if (breaker) this.breakers.push(breaker);
    this.detachers.push(() => {
      for (const event of STATUS_EVENTS) client.off(event, update);
      stopBreaker?.();
    });
    this.update();
  }

  state(): StoreConnectionState {
    return this.current;
  }

  /** Calls `listener` on every change; returns a function that removes it. */
  onChange(listener: (state: StoreConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reports `closed` and stops following the clients. */
  close(): void {
    this.closed = true;
    this.update();
    for (const detach of this.detachers.splice(0)) detach();
    this.listeners.clear();
  }

  private compute(): StoreConnectionState {
    if (this.closed || this.clients.some((client) => client.status === 'end')) return 'closed';
    if (this.clients.every((client) => client.status === 'ready')) return 'connected';
    return this.breakers.some((breaker) => breaker.isOpen) ? 'circuit-open' : 'reconnecting';
  }

  private update(): void {
    // 'closed' is final: a Cluster that was disconnected may report 'close' after 'end' (ioredis
    // sets its status late), and connectionState$ has completed on 'closed' already.
    if (this.current === 'closed') return;
    const next = this.compute();
    if (next === this.current) return;
    this.current = next;
    for (const listener of this.listeners) listener(next);
  }
}
