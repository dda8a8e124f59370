import type { HttpRequestLike } from '../cache-call-context.js';
import type { CacheUserResolver } from '../cache-decorator-options.interface.js';
import { resolveIdentity } from '../http-cache-rules.js';

/**
 * Request headers that identify the caller in any app: `Authorization` and `Proxy-Authorization`
 * (RFC 9111 §3.5), `Cookie` (sessions), `X-Api-Key` (the common API-key header).
 */
export const BUILT_IN_CREDENTIAL_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
]);

/** The built-in credential headers followed by the given lists, lower case, each once. */
export function credentialHeaderNames(...lists: Array<readonly string[] | undefined>): string[] {
  return [
    ...new Set(
      [BUILT_IN_CREDENTIAL_HEADERS, ...lists]
        .flatMap((list) => list ?? [])
        .map((name) => name.toLowerCase()),
    ),
  ];
}

/**
 * What identifies the caller of this request (for the debug log), or `undefined` when nothing
 * does: a non-empty credential header, `req.user` (set by a guard, from whatever it authenticates
 * by: a header, a client certificate, the source address), or an identity the `user` resolver
 * finds.
 */
export function callerIdentifiedBy(
  request: HttpRequestLike,
  credentialHeaders: readonly string[],
  resolver: CacheUserResolver,
): string | undefined {
  const headers = request.headers ?? {};
  const header = credentialHeaders.find((name) => present(headers[name]));
  if (header !== undefined) return `the ${header} header`;
  if (request.user !== undefined && request.user !== null && request.user !== false)
    return 'req.user';
  return identityFrom(resolver, request);
}

/**
 * Asks the `user` resolver; one that throws (written for authenticated routes only) cannot vouch
 * for an anonymous caller.
 */
function identityFrom(resolver: CacheUserResolver, request: HttpRequestLike): string | undefined {
  try {
    return resolveIdentity(resolver, request) === undefined ? undefined : 'the user resolver';
  } catch {
    return 'the user resolver, which threw,';
  }
}

function present(value: string | string[] | undefined): boolean {
  return Array.isArray(value)
    ? value.some((part) => part.length > 0)
    : value !== undefined && value.length > 0;
}
