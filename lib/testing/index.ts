/**
 * `nestjs-store/testing`: what a third party needs to write a `StoreDriver` and prove it, and to
 * use one with `StoreModule.forRoot({ driver: myDriver })`.
 *
 * - `StoreDriver` and every type it names: the interface to implement, a core
 *   (`StoreDriverCore`) and optional capabilities (`DriverTags`, `DriverLeases`, `DriverRateLimit`,
 *   `DriverPubSub`, `DriverStreams`), each implemented whole or not at all.
 * - `driverContract(options)`: the contract suite, as framework-agnostic cases.
 * - `MemoryDriver`: the embedded driver, to wrap or compare with
 *   (`new MemoryDriver(maxEntries, new Logger('MyDriver'))`, `Logger` from `@nestjs/common`).
 * - The errors a driver must reject with: `StoreCommandError` for a refusal by the store, its
 *   `replyCode` the reply's code (`WRONGTYPE`, `NOGROUP`; read from a cause worded as Redis words
 *   it, `new Error('WRONGTYPE …')`, unless given), `StoreConnectionError` when the store cannot be
 *   reached.
 */
// Registers this build for the one-build-per-process check (see StoreModule.forRoot), as the main
// entry does.
import '../common/single-copy.js';

export type {
  RateLimitArgs,
  RateLimitCheckContext,
  RateLimitKeys,
  RateLimitScript,
  RawEntry,
  RawHash,
  RawMessageListener,
  RawRateLimitReply,
  RawValue,
  StoreConnectionState,
  DriverCapability,
  DriverLeases,
  DriverPubSub,
  DriverRateLimit,
  DriverStreams,
  DriverTags,
  StoreDriver,
  StoreDriverCore,
  Unsubscribe,
} from '../drivers/store-driver.interface.js';
export { rawValue } from '../drivers/store-driver.interface.js';
export type {
  RawClaim,
  RawDelivery,
  RawStreamEntry,
  StreamDriver,
  StreamGroupStart,
  StreamReader,
} from '../drivers/stream-driver.interface.js';
export { isMissingGroup } from '../drivers/stream-driver.interface.js';
export type { RateLimitAlgorithm } from '../engine/rate-limit/rate-limit.interfaces.js';
export { MemoryDriver } from '../drivers/memory/memory.driver.js';
export {
  StoreCommandError,
  StoreConnectionError,
  StoreError,
  StoreUnsupportedError,
} from '../errors/store.errors.js';
export { driverContract } from './driver-contract.js';
export type {
  DriverContractCase,
  DriverContractGroup,
  DriverContractOptions,
} from './contract.types.js';
export { waitFor, within } from './wait-for.js';
