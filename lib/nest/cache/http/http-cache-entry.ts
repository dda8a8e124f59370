/** A response header value as stored and replayed. */
export type HttpHeaderValue = string | string[];

/** Response headers by lower-case name. */
export type HttpHeaders = Record<string, HttpHeaderValue>;

/**
 * What an HTTP `@Cacheable` entry holds (the `v` field of the entry hash, through the serializer):
 * the whole response, so a HIT answers as the handler did.
 */
export interface HttpCacheEntry {
  kind: 'http-response';
  /** The status the handler answered with (2xx). */
  status: number;
  /**
   * The headers the handler set, minus hop-by-hop headers, `Set-Cookie` and per-send ones (see
   * `replayableHeaders`).
   */
  headers: HttpHeaders;
  /** What the handler returned. */
  body: unknown;
  /** When the response was produced (epoch ms): a HIT answers with `Age`. */
  storedAt: number;
}

/**
 * What the route key holds once the handler answered with `Vary`: the varied request headers, and
 * the id of this set of variants. Each variant is an `HttpCacheEntry` under
 * `<route key>#vary:<variants>:<digest of the request's values of those headers>`. A new spec
 * (after the route key was evicted, invalidated or expired) has a new id, so variants stored before
 * are never served again.
 */
export interface HttpVarySpec {
  kind: 'http-vary';
  /** Lower-case, sorted, unique header names. */
  vary: string[];
  /** Random id of this set of variants. */
  variants: string;
}

/** Whether a stored value is a response written by the HTTP interceptor. */
export function isHttpCacheEntry(value: unknown): value is HttpCacheEntry {
  return (
    isRecord(value) &&
    value['kind'] === 'http-response' &&
    typeof value['status'] === 'number' &&
    isRecord(value['headers']) &&
    typeof value['storedAt'] === 'number'
  );
}

/** Whether a stored value is a route's vary spec. */
export function isHttpVarySpec(value: unknown): value is HttpVarySpec {
  if (!isRecord(value) || value['kind'] !== 'http-vary' || typeof value['variants'] !== 'string')
    return false;
  const vary = value['vary'];
  return Array.isArray(vary) && vary.length > 0 && vary.every((name) => typeof name === 'string');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
