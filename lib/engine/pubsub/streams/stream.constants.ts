/**
 * The field each stream entry keeps its serialized message in. A producer outside this library
 * appends `XADD <stream key> * message <serialized value>` to be read by `stream()` and `replay()`.
 */
export const STREAM_MESSAGE_FIELD = 'message';

/** Defaults of `StoreStreamOptions`. */
export const STREAM_DEFAULTS = {
  batchSize: 10,
  blockMs: 1_000,
  claimIdleMs: 30_000,
  startFrom: '$',
} as const;

/** The largest `batchSize`: a lease renewal names every held id in one script call. */
export const MAX_STREAM_BATCH_SIZE = 1_000;

/** Entries per XRANGE page of `replay`. */
export const REPLAY_PAGE_SIZE = 100;
