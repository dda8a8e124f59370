import type { ConnectionProbe, StoreConnectionState } from '../drivers/store-driver.interface.js';

export type { ConnectionProbe } from '../drivers/store-driver.interface.js';

/** What `StoreService.probe()` found. */
export interface StoreProbe {
  /** Whether every connection answered. */
  healthy: boolean;
  /** The store's connection state (as `connectionState$` reports it). */
  state: StoreConnectionState;
  /** Each connection the store holds: command (each Cluster master), subscriber, stream readers. */
  connections: ConnectionProbe[];
}
