import type { HttpResponseLike } from '../http-cache-rules.js';
import type { HttpHeaders, HttpHeaderValue } from './http-cache-entry.js';

/**
 * Every header on the response so far, by lower-case name (Express `getHeaders()`, Fastify
 * `reply.getHeaders()`).
 */
export function readHeaders(response: HttpResponseLike): HttpHeaders {
  const headers: HttpHeaders = {};
  for (const [name, value] of Object.entries(response.getHeaders?.() ?? {})) {
    if (value === undefined || value === null) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return headers;
}

/**
 * Sets a header as given: Node's `setHeader` where there is one (Express; Express's `res.set`
 * would rewrite a Content-Type), else Fastify's `reply.header`.
 */
export function writeHeader(
  response: HttpResponseLike,
  name: string,
  value: HttpHeaderValue,
): void {
  if (typeof response.setHeader === 'function') response.setHeader(name, value);
  else response.header?.(name, value);
}

/** Sets the status (Express `res.status`, Fastify `reply.status`). */
export function writeStatus(response: HttpResponseLike, status: number): void {
  if (typeof response.status === 'function') response.status(status);
  else response.statusCode = status;
}
