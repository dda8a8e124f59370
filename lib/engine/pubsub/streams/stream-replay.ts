import { Observable, type Subscriber } from 'rxjs';
import type { RawStreamEntry } from '../../../drivers/stream-driver.interface.js';
import { StreamLog } from './stream-log.js';
import type { ResolvedReplayRange } from './stream-options.js';
import { decodeStreamMessage, idTimestamp, type StreamSource } from './stream-source.js';
import { REPLAY_PAGE_SIZE } from './stream.constants.js';
import type { StreamEntry } from './stream.interfaces.js';

/**
 * A cold Observable of a stream's history: XRANGE pages of 100 entries in id order, emitted as
 * they arrive, completing at the end of the range (or after `count` messages). No group is
 * involved and nothing is acknowledged. Entries the serializer cannot read are skipped (logged,
 * rate-limited); a Redis failure errors the Observable, as a finite read has nothing to wait for.
 */
export function replayStream<T>(
  source: StreamSource,
  range: ResolvedReplayRange,
): Observable<StreamEntry<T>> {
  return new Observable<StreamEntry<T>>((subscriber) => {
    readPages(source, range, subscriber).then(
      () => subscriber.complete(),
      (error: unknown) => subscriber.error(error),
    );
  });
}

async function readPages<T>(
  source: StreamSource,
  range: ResolvedReplayRange,
  subscriber: Subscriber<StreamEntry<T>>,
): Promise<void> {
  const log = new StreamLog(source.logger, `Replay of stream "${source.name}"`);
  let start = range.start;
  let left = range.count;
  while (left > 0 && !subscriber.closed) {
    const size = Math.min(REPLAY_PAGE_SIZE, left);
    const page = await source.driver.range(source.key, start, range.end, size);
    for (const entry of page)
      if (!subscriber.closed && emit(source, entry, subscriber, log)) left -= 1;
    // A short page is the end of the range.
    if (page.length < size) return;
    // The next page starts right after this one's last entry (an exclusive bound).
    start = `(${page[page.length - 1].id}`;
  }
}

/** Emits one entry; `false` when it could not be read and was skipped. */
function emit<T>(
  source: StreamSource,
  entry: RawStreamEntry,
  subscriber: Subscriber<StreamEntry<T>>,
  log: StreamLog,
): boolean {
  const decoded = decodeStreamMessage<T>(source, entry.fields ?? []);
  if (!decoded.ok) {
    log.warn('unreadable', `skipped entry ${entry.id} that could not be read: ${decoded.reason}`);
    return false;
  }
  subscriber.next({
    id: entry.id,
    stream: source.name,
    message: decoded.message,
    timestamp: idTimestamp(entry),
  });
  return true;
}
