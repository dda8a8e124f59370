import type { RateLimitExceptionBody } from './rate-limit-exception.js';

type TransportExceptionClass = new (error: string | object) => Error;

let wsException: Promise<TransportExceptionClass> | undefined;
let rpcException: Promise<TransportExceptionClass> | undefined;

/**
 * The error a refused WebSocket message is answered with: a `WsException` carrying the 429 / 503
 * body, which Nest's WebSocket exception filter sends as `{ event: 'exception', data: body }`.
 * `@nestjs/websockets` is loaded on the first refusal only (an app with a gateway has it), so the
 * library does not depend on it.
 */
export async function wsRateLimitError(body: RateLimitExceptionBody): Promise<Error> {
  wsException ??= import('@nestjs/websockets').then(
    (module) => module.WsException as TransportExceptionClass,
  );
  const WsException = await wsException;
  return new WsException({ ...body });
}

/**
 * The error a refused RPC call is answered with: an `RpcException` carrying the 429 / 503 body
 * (Nest's RPC exception filter sends it to the caller as the error). `@nestjs/microservices` is
 * loaded on the first refusal only.
 */
export async function rpcRateLimitError(body: RateLimitExceptionBody): Promise<Error> {
  rpcException ??= import('@nestjs/microservices').then(
    (module) => module.RpcException as TransportExceptionClass,
  );
  const RpcException = await rpcException;
  return new RpcException({ ...body });
}
