import type { Cluster, Redis } from 'ioredis';

/**
 * `closed`: commands go through. `open`: connection attempts kept failing; commands fail at once
 * with `StoreConnectionError` and do not even wait for an attempt under way. `half-open`: a
 * reconnect attempt (the probe) is under way while open; it closes the breaker when it succeeds.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * A circuit breaker around one connection, driven by the connection's own events rather than by
 * each command's outcome: a connection lost or an attempt failed counts one failure, `ready`
 * resets them; after `threshold` failures in a row it opens, and ioredis's next reconnect attempt
 * is its probe. (Wrapping each command, as cockatiel's `execute` does, cost 20–40 % of the
 * throughput of pipelined reads when measured; this costs nothing per command.)
 */
export class ConnectionBreaker {
  private failuresInRow = 0;
  private current: CircuitState = 'closed';
  private readonly listeners = new Set<(state: CircuitState) => void>();

  constructor(private readonly threshold: number) {}

  get state(): CircuitState {
    return this.current;
  }

  /** Whether commands must fail at once (open, or open with a probe under way). */
  get isOpen(): boolean {
    return this.current !== 'closed';
  }

  /** Follows `client`'s events; returns a function that stops. */
  follow(client: Redis | Cluster): () => void {
    const succeeded = () => {
      this.failuresInRow = 0;
      this.change('closed');
    };
    const failed = () => {
      this.failuresInRow += 1;
      if (this.current === 'half-open' || this.failuresInRow >= this.threshold) this.change('open');
    };
    const probing = () => {
      if (this.current === 'open') this.change('half-open');
    };
    client.on('ready', succeeded);
    client.on('close', failed);
    client.on('connecting', probing);
    return () => {
      client.off('ready', succeeded);
      client.off('close', failed);
      client.off('connecting', probing);
    };
  }

  /** Calls `listener` on every change of state; returns a function that removes it. */
  onChange(listener: (state: CircuitState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private change(next: CircuitState): void {
    if (next === this.current) return;
    this.current = next;
    for (const listener of this.listeners) listener(next);
  }
}
