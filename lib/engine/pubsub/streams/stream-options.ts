import { assertName } from '../../../common/validation.js';
import { StoreValidationError, describe } from '../../../errors/store.errors.js';
import { MAX_STREAM_BATCH_SIZE, STREAM_DEFAULTS } from './stream.constants.js';
import type {
  StoreAppendOptions,
  StoreReplayOptions,
  StoreStreamOptions,
  StreamPosition,
  StreamStart,
} from './stream.interfaces.js';

/** `StoreStreamOptions` after validation, with every default filled in. */
export interface ResolvedStreamOptions {
  group: string;
  consumer: string;
  batchSize: number;
  blockMs: number;
  claimIdleMs: number;
  startFrom: StreamStart;
}

/** A validated `replay` range in XRANGE terms. */
export interface ResolvedReplayRange {
  start: string;
  end: string;
  /** The most messages to emit (`Infinity`: all). */
  count: number;
}

/** Validates `stream()` options; names are checked like every other name of the store. */
export function resolveStreamOptions(
  options: StoreStreamOptions,
  maxNameLength: number,
): ResolvedStreamOptions {
  assertObject(options, 'stream options');
  assertName(options.group, 'stream group', maxNameLength);
  assertName(options.consumer, 'stream consumer', maxNameLength);
  const startFrom = options.startFrom ?? STREAM_DEFAULTS.startFrom;
  if (startFrom !== '$' && startFrom !== '0')
    throw new StoreValidationError(`Invalid startFrom ${describe(startFrom)}: must be '$' or '0'`);
  const batchSize = positiveInteger(options.batchSize, 'batchSize', STREAM_DEFAULTS.batchSize);
  if (batchSize > MAX_STREAM_BATCH_SIZE)
    throw new StoreValidationError(
      `Invalid batchSize ${batchSize}: at most ${MAX_STREAM_BATCH_SIZE}`,
    );
  return {
    group: options.group,
    consumer: options.consumer,
    batchSize,
    blockMs: positiveInteger(options.blockMs, 'blockMs', STREAM_DEFAULTS.blockMs),
    claimIdleMs: positiveInteger(options.claimIdleMs, 'claimIdleMs', STREAM_DEFAULTS.claimIdleMs),
    startFrom,
  };
}

/** Validates `append()` options: the trim length, if any. */
export function resolveMaxLen(options: StoreAppendOptions | undefined): number | undefined {
  if (options === undefined) return undefined;
  assertObject(options, 'append options');
  return options.maxLen === undefined ? undefined : positiveInteger(options.maxLen, 'maxLen', 0);
}

/** Validates `replay()` options into an XRANGE range. */
export function resolveReplayRange(options: StoreReplayOptions): ResolvedReplayRange {
  assertObject(options, 'replay options');
  if (options.from === undefined)
    throw new StoreValidationError(
      'Invalid replay options: `from` is required (an entry id, a Date or epoch ms)',
    );
  return {
    start: rangeBound(options.from, 'from'),
    end: options.to === undefined ? '+' : rangeBound(options.to, 'to'),
    count: options.count === undefined ? Infinity : positiveInteger(options.count, 'count', 0),
  };
}

const ENTRY_ID = /^\d+(-\d+)?$/;

/**
 * An id stays as it is; a time becomes bare milliseconds, which XRANGE reads as that millisecond's
 * first (start) or last (end) id.
 */
function rangeBound(position: StreamPosition, what: string): string {
  if (
    typeof position === 'string' &&
    (ENTRY_ID.test(position) || position === '-' || position === '+')
  )
    return position;
  const ms = position instanceof Date ? position.getTime() : position;
  if (typeof ms === 'number' && Number.isSafeInteger(ms) && ms >= 0) return String(ms);
  throw new StoreValidationError(
    `Invalid replay ${what} ${describe(position)}: must be an entry id ('<ms>-<seq>'), ` +
      'a valid Date or epoch ms',
  );
}

function positiveInteger(value: unknown, what: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new StoreValidationError(
      `Invalid ${what} ${describe(value)}: must be a positive integer`,
    );
  }
  return value;
}

function assertObject(value: unknown, what: string): void {
  if (value === null || typeof value !== 'object')
    throw new StoreValidationError(`Invalid ${what} ${describe(value)}: must be an object`);
}
