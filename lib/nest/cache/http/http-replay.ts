import { responseSent, type HttpResponseLike } from '../http-cache-rules.js';
import type { HttpCacheEntry, HttpHeaderValue } from './http-cache-entry.js';
import { readHeaders, writeHeader, writeStatus } from './http-response.js';

/**
 * Answers with a stored response as the handler did: its status and headers, and `Age` (RFC 9111
 * §5.1: the seconds since it was produced). `Vary` is merged with what is already set (a CORS
 * middleware's `Vary: Origin`, for example), never replaced.
 */
export function replayEntry(
  response: HttpResponseLike,
  entry: HttpCacheEntry,
  now = Date.now(),
): void {
  if (responseSent(response)) return;
  writeStatus(response, entry.status);
  for (const [name, value] of Object.entries(entry.headers)) {
    if (name === 'vary') mergeVary(response, value);
    else writeHeader(response, name, value);
  }
  writeHeader(response, 'age', String(Math.max(0, Math.floor((now - entry.storedAt) / 1000))));
}

/**
 * Sets `Vary` to the names already on the response followed by the stored ones, each once (compared
 * without case).
 */
function mergeVary(response: HttpResponseLike, stored: HttpHeaderValue): void {
  const byName = new Map<string, string>();
  for (const name of [readHeaders(response)['vary'] ?? [], stored]
    .flat()
    .flatMap((value) => value.split(','))) {
    const trimmed = name.trim();
    if (trimmed && !byName.has(trimmed.toLowerCase())) byName.set(trimmed.toLowerCase(), trimmed);
  }
  writeHeader(response, 'vary', byName.has('*') ? '*' : [...byName.values()].join(', '));
}
