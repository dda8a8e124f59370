/** A store's connection state, as `StoreService.connectionState$` reports it. */
export type ConnectionStateName = 'connected' | 'reconnecting' | 'circuit-open' | 'closed';

/** Payload of `connection.state`: the connections a store depends on changed state. */
export interface ConnectionStateEvent {
  /** The store's `keyPrefix` (`''` when it has none). */
  keyPrefix: string;
  /** The store's driver. */
  driver: 'redis' | 'memory';
  /**
   * The new state: `connected` (every connection ready), `reconnecting` (one is not),
   * `circuit-open` (one is not and its circuit breaker is open), `closed` (for good).
   */
  state: ConnectionStateName;
  /** The state before. */
  previous: ConnectionStateName;
}
