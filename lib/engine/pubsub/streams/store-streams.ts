import type { Observable } from 'rxjs';
import { consumeStream } from './stream-consumer.js';
import { resolveMaxLen, resolveReplayRange, resolveStreamOptions } from './stream-options.js';
import { replayStream } from './stream-replay.js';
import type { StreamSource } from './stream-source.js';
import { STREAM_MESSAGE_FIELD } from './stream.constants.js';
import type {
  StoreAppendOptions,
  StoreReplayOptions,
  StoreStreamOptions,
  StreamEntry,
  StreamMessage,
} from './stream.interfaces.js';

/*
 * The stream operations behind `StoreService.append`, `stream` and `replay`: options are validated
 * here, before anything is sent or subscribed, so bad input writes nothing.
 */

/** XADD of one serialized message; resolves to the new entry's id. */
export async function appendToStream(
  source: StreamSource,
  message: unknown,
  options: StoreAppendOptions | undefined,
): Promise<string> {
  const maxLen = resolveMaxLen(options);
  const payload = source.serialize(message);
  return source.driver.add(source.key, [STREAM_MESSAGE_FIELD, payload], maxLen);
}

/**
 * A consumer of a group as a cold Observable; throws `StoreValidationError` at once for bad
 * options.
 */
export function openStream<T>(
  source: StreamSource,
  options: StoreStreamOptions,
): Observable<StreamMessage<T>> {
  return consumeStream<T>(source, resolveStreamOptions(options, source.maxNameLength));
}

/**
 * The stream's history as a cold Observable; throws `StoreValidationError` at once for bad options.
 */
export function replayFrom<T>(
  source: StreamSource,
  options: StoreReplayOptions,
): Observable<StreamEntry<T>> {
  return replayStream<T>(source, resolveReplayRange(options));
}
