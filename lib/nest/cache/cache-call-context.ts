import type { ExecutionContext } from '@nestjs/common';
import type { CacheKeyContext } from './cache-decorator-options.interface.js';
import { argumentsByName, parameterNames } from './cache-key.resolver.js';

/** The parts of an HTTP request the decorators read (Express and Fastify alike). */
export interface HttpRequestLike {
  method?: string;
  url?: string;
  originalUrl?: string;
  params?: unknown;
  query?: unknown;
  headers?: Record<string, string | string[] | undefined>;
  user?: unknown;
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

/** Key context of an HTTP call: `{name}` reads route params, then query. */
export function httpCallContext(
  context: ExecutionContext,
  request: HttpRequestLike,
  httpMethod: string,
): CacheKeyContext {
  return {
    type: 'http',
    className: context.getClass().name,
    methodName: context.getHandler().name,
    args: [],
    named: [asRecord(request.params), asRecord(request.query)],
    httpMethod,
    request,
  };
}

/**
 * Key context of an RPC, WebSocket or GraphQL handler, from the raw context arguments only (never
 * the HTTP request): `{name}` reads the RPC payload (`args[0]`), the WebSocket body (`args[1]`) or
 * the GraphQL args object (`args[1]`); `{0}` reads `args[0]`.
 */
export function handlerCallContext(context: ExecutionContext): CacheKeyContext {
  const type = context.getType<'rpc' | 'ws' | 'graphql'>();
  const args = context.getArgs();
  const payload = type === 'rpc' ? args[0] : args[1];
  return {
    type,
    className: context.getClass().name,
    methodName: context.getHandler().name,
    args,
    named: [asRecord(payload)],
  };
}

/** Key context of a provider method call: `{name}` reads the argument of that parameter name. */
export function methodCallContext(
  className: string,
  methodName: string,
  names: ReadonlyArray<string | undefined>,
  args: readonly unknown[],
): CacheKeyContext {
  return { type: 'method', className, methodName, args, named: [argumentsByName(names, args)] };
}

/** Parameter names of a method, read once from its source (see `parameterNames`). */
export function methodParameterNames(
  method: (...args: never[]) => unknown,
): Array<string | undefined> {
  return parameterNames(method);
}

function asRecord(value: unknown): Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : EMPTY;
}
