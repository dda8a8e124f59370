import type { ExecutionContext } from '@nestjs/common';
import { isIPv4, isIPv6 } from 'node:net';
import type { RateLimitKey } from './rate-limit-options.interface.js';

/** The parts of a request (Express, Fastify, GraphQL `req`) the key reads. */
interface RequestLike {
  ip?: unknown;
  user?: { id?: unknown; sub?: unknown } | null;
  socket?: { remoteAddress?: unknown } | null;
  raw?: { socket?: { remoteAddress?: unknown } | null } | null;
}

/** The parts of a WebSocket client the key reads (`ws`, with a fallback for Socket.IO). */
interface WsClientLike {
  _socket?: { remoteAddress?: unknown } | null;
  request?: { socket?: { remoteAddress?: unknown } | null } | null;
  handshake?: { address?: unknown } | null;
  conn?: { remoteAddress?: unknown } | null;
}

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * The form a client IP is counted under: IPv4 as is, IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as
 * IPv4, any other IPv6 as its /64 network (`2001:db8:1:2::/64`: one subscriber usually holds a
 * whole /64, so counting single addresses would let it rotate through 2^64 of them). Anything that
 * is not an IP is returned trimmed, unchanged.
 */
export function normalizeClientIp(address: string): string {
  const ip = address.trim();
  const mapped = MAPPED_IPV4.exec(ip);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  const withoutZone = ip.replace(/%.*$/, '');
  if (!isIPv6(withoutZone)) return ip;
  const groups = expandIPv6(withoutZone);
  if (
    groups[0] === 0 &&
    groups[1] === 0 &&
    groups[2] === 0 &&
    groups[3] === 0 &&
    groups[4] === 0 &&
    groups[5] === 0xffff
  ) {
    return `${groups[6] >> 8}.${groups[6] & 0xff}.${groups[7] >> 8}.${groups[7] & 0xff}`;
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (embedded IPv4 tail included). */
function expandIPv6(ip: string): number[] {
  let text = ip.toLowerCase();
  const tail = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail[1].split('.').map(Number);
    text =
      `${text.slice(0, -tail[1].length)}${((a << 8) | b).toString(16)}:` +
      `${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest === undefined ? [] : rest ? rest.split(':') : [];
  const middle =
    rest === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((group) => parseInt(group, 16));
}

/**
 * The client IP of a call, normalised (see `normalizeClientIp`), or `undefined` when the context
 * has none (RPC, or a request without a socket).
 * - HTTP and GraphQL: `req.ip` as Express (`trust proxy`) or Fastify (`trustProxy`) resolved it,
 *   so `X-Forwarded-For` counts only when the app trusts proxies; else the socket address.
 * - WebSocket: the address of the client's socket (the handshake's peer).
 */
export function clientIp(context: ExecutionContext): string | undefined {
  const type = context.getType<string>();
  if (type === 'http')
    return requestIp(context.switchToHttp().getRequest<RequestLike | undefined>());
  if (type === 'graphql') return requestIp(graphqlRequest(context));
  if (type === 'ws') return wsClientIp(context.switchToWs().getClient<WsClientLike | undefined>());
  return undefined;
}

/** The HTTP request behind a GraphQL resolver call (`context.getArgs()[2].req`), if any. */
export function graphqlRequest(context: ExecutionContext): RequestLike | undefined {
  const gqlContext = context.getArgs()[2] as
    { req?: RequestLike; request?: RequestLike } | null | undefined;
  if (!gqlContext || typeof gqlContext !== 'object') return undefined;
  return gqlContext.req ?? gqlContext.request ?? undefined;
}

function requestIp(request: RequestLike | undefined | null): string | undefined {
  if (!request || typeof request !== 'object') return undefined;
  const ip = firstString(
    request.ip,
    request.socket?.remoteAddress,
    request.raw?.socket?.remoteAddress,
  );
  return ip === undefined ? undefined : normalizeClientIp(ip);
}

function wsClientIp(client: WsClientLike | undefined | null): string | undefined {
  if (!client || typeof client !== 'object') return undefined;
  const ip = firstString(
    client._socket?.remoteAddress,
    client.request?.socket?.remoteAddress,
    client.conn?.remoteAddress,
    client.handshake?.address,
  );
  return ip === undefined ? undefined : normalizeClientIp(ip);
}

function userId(context: ExecutionContext): string | undefined {
  const type = context.getType<string>();
  const request =
    type === 'http'
      ? context.switchToHttp().getRequest<RequestLike | undefined>()
      : type === 'graphql'
        ? graphqlRequest(context)
        : undefined;
  const user = request && typeof request === 'object' ? request.user : undefined;
  if (!user || typeof user !== 'object') return undefined;
  const id = user.id ?? user.sub;
  return typeof id === 'string' || typeof id === 'number' || typeof id === 'bigint'
    ? String(id)
    : undefined;
}

function firstString(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === 'string' && value.length > 0) return value;
  return undefined;
}

/**
 * Who a call is counted against, as a key segment (`ip:…`, `user:…`, `key:…`), or `undefined`
 * when the call cannot be attributed (RPC without a key function, no IP, empty function result):
 * such calls are not rate-limited.
 */
export async function resolveTracker(
  context: ExecutionContext,
  key: RateLimitKey,
): Promise<string | undefined> {
  if (typeof key === 'function') {
    const value = await key(context);
    return value ? `key:${value}` : undefined;
  }
  if (key === 'user') {
    const id = userId(context);
    if (id !== undefined) return `user:${id}`;
  }
  if (context.getType<string>() === 'rpc') return undefined;
  const ip = clientIp(context);
  return ip === undefined ? undefined : `ip:${ip}`;
}

/** The route a call counts on when its policy has no `scope`: `Controller.handler`. */
export function routeScope(context: ExecutionContext): string {
  return `${context.getClass().name}.${context.getHandler().name}`;
}

/**
 * The key handed to `RateLimiterService`: `{scope}:{tracker}`, e.g.
 * `AuthController.login:ip:203.0.113.7` (the service files it under the policy name and algorithm:
 * `rl:{default:AuthController.login:ip:…}:sw`).
 */
export function rateLimitKey(scope: string, tracker: string): string {
  return `${scope}:${tracker}`;
}
