import type { HttpHeaders } from './http-cache-entry.js';

/**
 * Headers never stored with a response: hop-by-hop headers (RFC 9110 §7.6.1), which concern one
 * connection; `Set-Cookie` (RFC 9111 §3.1: a cookie is for the client it was sent to); and headers
 * the server computes for each send (`Content-Length`, `Date`, `Age`, `X-Cache`).
 */
const NEVER_STORED = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'set-cookie',
  'content-length',
  'date',
  'age',
  'x-cache',
]);

/**
 * `headers` without the ones a HIT must not replay, including those the response's `Connection`
 * header names.
 */
export function replayableHeaders(
  headers: HttpHeaders,
  connection: string | string[] | undefined,
): HttpHeaders {
  const named = new Set(
    [connection ?? []]
      .flat()
      .flatMap((value) => value.split(','))
      .map((name) => name.trim().toLowerCase()),
  );
  const kept: HttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!NEVER_STORED.has(name) && !named.has(name)) kept[name] = value;
  }
  return kept;
}
