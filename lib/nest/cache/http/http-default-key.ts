import type { HttpRequestLike } from '../cache-call-context.js';
import { digest } from '../../../engine/cache/digest.js';

/**
 * Longest `<host><path>` a default key keeps readable; a longer one is shortened to its head and a
 * digest.
 */
const MAX_READABLE_TARGET = 256;
/** How much of a long `<host><path>` the key keeps before the digest. */
const TARGET_HEAD = 64;

/**
 * Default HTTP key: `http:GET <host><path>?<digest of the query>`.
 * - The host name (lower case, without the port) is part of it: virtual hosts never share an
 *   entry, while one app reached on several ports (behind a proxy, or supertest's ephemeral
 *   server per request) does.
 * - The path is exactly what the router received (no slashes collapsed or trailing slash
 *   dropped): `/a//b`, `/a/b/` and `/a/b` may reach a handler with different params.
 * - The query is sorted by name (repeated values keep their order) and only its digest is kept,
 *   so tokens in query strings never sit in clear in Redis key names.
 * - A `<host><path>` longer than 256 characters keeps its head and a digest, so the key stays
 *   bounded whatever the URL.
 */
export function defaultHttpKey(method: string, host: string, url: string): string {
  const { path, query } = splitUrl(url);
  const target = readable(withoutPort(host.toLowerCase()) + path);
  return `http:${method} ${target}${query ? `?${digest(query)}` : ''}`;
}

/**
 * The path as received and the query in a canonical order (the fragment, never sent by clients, is
 * ignored).
 */
function splitUrl(url: string): { path: string; query: string } {
  const hash = url.indexOf('#');
  const bare = hash < 0 ? url : url.slice(0, hash);
  const mark = bare.indexOf('?');
  const params = new URLSearchParams(mark < 0 ? '' : bare.slice(mark + 1));
  params.sort();
  return { path: (mark < 0 ? bare : bare.slice(0, mark)) || '/', query: params.toString() };
}

/** `example.com:8080` → `example.com`, `[::1]:3000` → `[::1]`. */
function withoutPort(host: string): string {
  const colon = host.lastIndexOf(':');
  return colon > host.lastIndexOf(']') ? host.slice(0, colon) : host;
}

function readable(target: string): string {
  return target.length <= MAX_READABLE_TARGET
    ? target
    : `${target.slice(0, TARGET_HEAD)}…#${digest(target)}`;
}

/**
 * The host the request was sent to: `Host`, or HTTP/2's `:authority`; empty when neither is there.
 */
export function requestHost(request: HttpRequestLike): string {
  const headers = request.headers ?? {};
  const host = headers['host'] ?? headers[':authority'];
  return typeof host === 'string' ? host : '';
}
