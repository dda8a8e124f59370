import { isPassthroughValue, responseSent, type HttpResponseLike } from '../http-cache-rules.js';
import type { HttpCacheEntry, HttpHeaders } from './http-cache-entry.js';
import { replayableHeaders } from './http-replayable-headers.js';
import { readHeaders } from './http-response.js';

/** One run of the handler as the interceptor saw it. */
export interface CapturedResponse {
  /** What a HIT would replay: the status, the headers the handler set, the body. */
  entry: HttpCacheEntry;
  /**
   * Every response header once the handler returned: `Cache-Control`, `Set-Cookie` and `Vary` are
   * judged on these.
   */
  headers: HttpHeaders;
  /** The handler wrote the response itself (`@Res()`): nothing to store. */
  sentByHandler: boolean;
  /**
   * What the handler returned, as it is: this call answers with it (the entry holds its wire form).
   */
  body: unknown;
}

/**
 * Runs the handler and records what it did to the response. Only headers the handler set or
 * changed are replayed: headers set before it (a guard's rate-limit headers, a middleware's CORS
 * headers) belong to each request and are set again on a HIT by whoever set them. `Vary` is kept
 * whole, whoever set it, as it is part of what the entry means.
 *
 * `base`: for a background refresh, which runs after the stale answer went out, the headers of
 * that answer (replayed from the entry being refreshed, so the handler setting them again
 * changes nothing the capture could see).
 */
export async function captureResponse(
  response: HttpResponseLike,
  handle: () => Promise<unknown>,
  base?: HttpHeaders,
): Promise<CapturedResponse> {
  const sentBefore = responseSent(response);
  const before = readHeaders(response);
  const body = await handle();
  const after = readHeaders(response);
  const set: HttpHeaders = { ...base, ...changedHeaders(before, after) };
  if (after['vary'] !== undefined) set['vary'] = after['vary'];
  return {
    entry: {
      kind: 'http-response',
      status: response.statusCode ?? 200,
      headers: replayableHeaders(set, after['connection']),
      body: wireForm(body),
      storedAt: Date.now(),
    },
    headers: after,
    sentByHandler: !sentBefore && responseSent(response),
    body,
  };
}

/**
 * The body as the platform sends it (`JSON.stringify`, so a Date is its ISO string): what a HIT
 * must answer with, and something the serializer stores exactly. Streams, bytes and what JSON
 * cannot encode are kept as they are (not stored: see `whyNotStored`, and the serializer refuses
 * the rest).
 */
function wireForm(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || isPassthroughValue(body)) return body;
  try {
    return JSON.parse(JSON.stringify(body)) as unknown;
  } catch {
    return body;
  }
}

function changedHeaders(before: HttpHeaders, after: HttpHeaders): HttpHeaders {
  const changed: HttpHeaders = {};
  for (const [name, value] of Object.entries(after)) {
    if (JSON.stringify(before[name]) !== JSON.stringify(value)) changed[name] = value;
  }
  return changed;
}
