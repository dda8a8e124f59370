import { channel } from 'node:diagnostics_channel';
import { CONNECTION_STATE_CHANNEL } from './channel-names.js';
import type { ConnectionStateEvent, ConnectionStateName } from './connection.events.js';

const state = channel(CONNECTION_STATE_CHANNEL);

/** What a store's driver tells about its connections (a `StoreDriver` is one). */
export interface ConnectionStateSource {
  readonly kind: 'redis' | 'memory';
  connectionState(): ConnectionStateName;
  onConnectionState(listener: (state: ConnectionStateName) => void): () => void;
}

/**
 * Publishes `connection.state` on every change of `driver`'s state from now on, for the store under
 * `keyPrefix`. The driver drops its listeners when it closes (after reporting `closed`).
 */
export function publishConnectionStates(driver: ConnectionStateSource, keyPrefix: string): void {
  let previous = driver.connectionState();
  driver.onConnectionState((next) => {
    const event: ConnectionStateEvent | null = state.hasSubscribers
      ? { keyPrefix, driver: driver.kind, state: next, previous }
      : null;
    previous = next;
    if (event) state.publish(event);
  });
}
