import { StreamableFile } from '@nestjs/common';
import type { HttpRequestLike } from './cache-call-context.js';
import type { CacheUserResolver } from './cache-decorator-options.interface.js';

/** Value of the `X-Cache` response header. */
export type XCacheValue = 'HIT' | 'MISS' | 'STALE' | 'BYPASS';

/**
 * The parts of an HTTP response the decorators use (Express `Response` and Fastify `FastifyReply`
 * alike).
 */
export interface HttpResponseLike {
  statusCode?: number;
  headersSent?: boolean;
  sent?: boolean;
  /** Express `res.header` / Fastify `reply.header`. */
  header?: (name: string, value: string | string[]) => unknown;
  /** Node's `setHeader` (Express). */
  setHeader?: (name: string, value: string | string[]) => unknown;
  /** Every header set so far (Express and Fastify). */
  getHeaders?: () => Record<string, number | string | string[] | undefined | null>;
  /** Express `res.status` / Fastify `reply.status`. */
  status?: (code: number) => unknown;
}

/** Whether the client sent `Cache-Control: no-cache` (or `Pragma: no-cache`). */
export function requestsNoCache(request: HttpRequestLike): boolean {
  const headers = request.headers ?? {};
  return (
    /\bno-cache\b/i.test(String(headers['cache-control'] ?? '')) ||
    /\bno-cache\b/i.test(String(headers['pragma'] ?? ''))
  );
}

/** Default identity for `scope: 'user'`: `req.user.id ?? req.user.sub`. */
export const defaultUserResolver: CacheUserResolver = (request) => {
  const user = (request as HttpRequestLike).user;
  if (user === null || typeof user !== 'object') return undefined;
  const { id, sub } = user as { id?: unknown; sub?: unknown };
  const identity = id ?? sub;
  return typeof identity === 'string' || typeof identity === 'number' ? identity : undefined;
};

/** The caller's identity as a non-empty string, or `undefined`. */
export function resolveIdentity(resolver: CacheUserResolver, request: unknown): string | undefined {
  const identity = resolver(request);
  if (identity === undefined || identity === null) return undefined;
  const text = String(identity);
  return text.length > 0 ? text : undefined;
}

/**
 * Whether the handler already wrote the response itself (`@Res()`): such responses are never
 * cached.
 */
export function responseSent(response: HttpResponseLike): boolean {
  return response.headersSent === true || response.sent === true;
}

/** Results passed through untouched and never cached: files, streams and raw bytes. */
export function isPassthroughValue(value: unknown): boolean {
  if (value instanceof StreamableFile || value instanceof Uint8Array) return true;
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as { pipe?: unknown; getReader?: unknown };
  return typeof candidate.pipe === 'function' || typeof candidate.getReader === 'function';
}

/** Sets `X-Cache` unless the response is already on its way. */
export function setXCache(response: HttpResponseLike, value: XCacheValue): void {
  if (responseSent(response)) return;
  if (typeof response.header === 'function') response.header('X-Cache', value);
  else response.setHeader?.('X-Cache', value);
}
