/** For the rate-limit specs: real Nest apps (Express or Fastify) with StoreModule, RateLimiterService and RateLimitGuard. */
import 'reflect-metadata';
import {
  Module,
  type DynamicModule,
  type INestApplication,
  type Provider,
  type Type,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  RateLimitGuard,
  StoreModule,
  type StoreModuleOptions,
  type StoreRateLimitOptions,
} from '../../lib/index.js';
import { listenHttp, type Platform } from '../support/http-app.js';

export { PLATFORMS, type Platform } from '../support/http-app.js';

import {
  clusterStore as clusterStoreFor,
  memoryStore,
  redisStore as redisStoreFor,
} from '../support/store-options.js';

export { memoryStore };
/** Redis standalone from the harness, under a fresh key prefix. */
export const redisStore = (): StoreModuleOptions => redisStoreFor('rl');
/** The harness's Redis Cluster, under a fresh key prefix. */
export const clusterStore = (): StoreModuleOptions => clusterStoreFor('rl');

/** `RateLimitGuard` as `APP_GUARD` (StoreModule provides the guard, the service and the options). */
export function globalRateLimitGuard(): Provider[] {
  return [{ provide: APP_GUARD, useExisting: RateLimitGuard }];
}

export interface RateLimitAppOptions {
  platform: Platform;
  controllers?: Array<Type<unknown>>;
  providers?: Provider[];
  imports?: Array<Type<unknown> | DynamicModule>;
  store?: StoreModuleOptions;
  rateLimit?: StoreRateLimitOptions;
  /** Register RateLimitGuard as APP_GUARD. */
  global?: boolean;
  /** Express `app.set('trust proxy', true)` / `new FastifyAdapter({ trustProxy: true })`. */
  trustProxy?: boolean;
}

/** A running app and its base URL. */
export interface RateLimitApp {
  app: INestApplication;
  url: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export async function startRateLimitApp(options: RateLimitAppOptions): Promise<RateLimitApp> {
  @Module({
    imports: [
      StoreModule.forRoot({
        ...(options.store ?? memoryStore()),
        rateLimit: options.rateLimit ?? {},
      }),
      ...(options.imports ?? []),
    ],
    controllers: options.controllers ?? [],
    providers: [...(options.global ? globalRateLimitGuard() : []), ...(options.providers ?? [])],
  })
  class AppModule {}
  const { app, url } = await listenHttp(AppModule, options.platform, {
    trustProxy: options.trustProxy,
  });
  return { app, url, fetch: (path, init) => fetch(url + path, init), close: () => app.close() };
}

/** Status, JSON body and the rate-limit headers of a response. */
export async function read(
  response: Response,
): Promise<{ status: number; body: unknown; headers: Record<string, string | null> }> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  const names = [
    'x-ratelimit-limit',
    'x-ratelimit-remaining',
    'x-ratelimit-reset',
    'retry-after',
    'ratelimit-policy',
    'ratelimit',
  ];
  return {
    status: response.status,
    body,
    headers: Object.fromEntries(names.map((name) => [name, response.headers.get(name)])),
  };
}

/** Statuses of `count` sequential requests. */
export async function statuses(
  app: RateLimitApp,
  path: string,
  count: number,
  init?: RequestInit,
): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await app.fetch(path, init);
    await response.arrayBuffer();
    result.push(response.status);
  }
  return result;
}
