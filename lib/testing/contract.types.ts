import type { DriverCapability, StoreDriver } from '../drivers/store-driver.interface.js';

/** What `driverContract` checks a driver against. */
export interface DriverContractOptions {
  /**
   * Makes a new driver of the backend under test, ready for commands (it may still be connecting).
   * Each case makes the drivers it needs and closes them before it settles.
   */
  createDriver: () => StoreDriver | Promise<StoreDriver>;
  /**
   * What every key, channel and stream the cases use starts with; a random segment per
   * `driverContract` call and one per case follow it, so cases (and concurrent runs) never share a
   * name and may share a server. Default `'nestjs-store-contract:'`.
   */
  keyPrefix?: string;
  /**
   * `publish` counts only the subscribers of the node that received the message (classic pub/sub
   * on a Redis Cluster), so receiver counts are not checked; deliveries still are. Default `false`.
   */
  nodeLocalPublishCount?: boolean;
  /**
   * Longest wait, in ms, for anything that must happen (a key expiring, a message arriving, a read
   * ending). Default 5 000.
   */
  timeoutMs?: number;
  /**
   * How far, in ms, the store's clock (`serverNowMs` of a rate-limit reply) may be from this
   * process's `Date.now()`. Default 1 000.
   */
  clockToleranceMs?: number;
  /**
   * Writes, at `key`, a key of a type the driver itself never writes (a Redis list, say) through
   * the backend `driver` talks to, so the cases on WRONGTYPE replies for such keys can run; without
   * it those cases are left out (as for a backend that has no other types).
   */
  writeOtherType?: (driver: StoreDriver, key: string) => Promise<void>;
  /**
   * The optional capabilities the driver implements; their cases run, and the driver must have
   * exactly these (a driver with only the core passes `[]`). Default: all of them, as the
   * built-in drivers have.
   */
  capabilities?: readonly DriverCapability[];
}

/**
 * The method groups of `StoreDriver` the cases are sorted into (each case's name starts with its
 * group).
 */
export type DriverContractGroup =
  | 'capabilities'
  | 'strings'
  | 'hashes'
  | 'increment'
  | 'expiry'
  | 'delete'
  | 'deleteByPattern'
  | 'tags'
  | 'leases'
  | 'rateLimit'
  | 'pubsub'
  | 'connection'
  | 'streams'
  | 'close';

/**
 * One case of the contract, for any test framework: `it(c.name, c.run)`. `run` rejects (with an
 * `AssertionError` from `node:assert`) when the driver breaks the contract, and closes the drivers
 * it made either way.
 */
export interface DriverContractCase {
  /** `<group>: <what is checked>`, unique in the suite. */
  readonly name: string;
  /** The method group the case checks. */
  readonly group: DriverContractGroup;
  /** Runs the case against new drivers from `createDriver`. */
  readonly run: () => Promise<void>;
}
