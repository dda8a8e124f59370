import type { CacheScope } from '../cache-decorator-options.interface.js';
import { isPassthroughValue } from '../http-cache-rules.js';
import type { HttpHeaderValue } from './http-cache-entry.js';
import type { CapturedResponse } from './http-response-capture.js';
import { varyNames } from './http-vary.js';

/** What decides whether a response may be stored, besides the response itself. */
export interface HttpStorePolicy {
  /** `false` for HEAD: a HEAD response never fills the GET entry. */
  fills: boolean;
  /** The route's scope (`private` responses may be stored per user). */
  scope: CacheScope;
  /** The route's `unless`. */
  unless?: (result: unknown) => boolean;
}

/**
 * Why a response must not be stored (for the debug log), or `undefined` when it may be (RFC 9111
 * §3 for a shared cache): a 2xx the handler did not send itself, with a body that is not a stream,
 * no `Set-Cookie`, no `Vary: *`, and no `Cache-Control` directive that forbids storing it.
 */
export function whyNotStored(
  captured: CapturedResponse,
  policy: HttpStorePolicy,
): string | undefined {
  const { entry, headers, body } = captured;
  if (!policy.fills) return 'HEAD never fills the GET entry';
  if (entry.status < 200 || entry.status > 299) return `status ${entry.status}`;
  if (captured.sentByHandler) return 'the handler sent the response itself (@Res())';
  if (isPassthroughValue(body)) return 'the body is a stream, a file or bytes';
  if (body === undefined) return 'the handler returned nothing';
  if (policy.unless?.(body)) return 'unless returned true';
  const directive = forbiddingDirective(headers['cache-control'], policy.scope);
  if (directive) return `Cache-Control: ${directive}`;
  if (headers['set-cookie'] !== undefined) return 'the response sets a cookie';
  if (varyNames(headers['vary']) === '*') return 'Vary: *';
  return undefined;
}

/**
 * The response's `Cache-Control` directive that forbids storing it: `no-store`; `no-cache` (it may
 * not be served without revalidation, which this cache does not do); `private`, except in a
 * per-user entry, which is a private cache. Qualified forms (`private="Set-Cookie"`) count whole.
 */
function forbiddingDirective(
  value: HttpHeaderValue | undefined,
  scope: CacheScope,
): string | undefined {
  const directives = [value ?? []]
    .flat()
    .join(',')
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .split(',')
    .map((directive) => directive.split('=')[0].trim().toLowerCase());
  return directives.find(
    (name) =>
      name === 'no-store' || name === 'no-cache' || (name === 'private' && scope !== 'user'),
  );
}
