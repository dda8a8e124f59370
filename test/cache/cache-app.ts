/** For the cache decorator specs: real Nest HTTP apps on Express or Fastify with StoreModule. */
import 'reflect-metadata';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Module, type INestApplication, type Provider, type Type } from '@nestjs/common';
import { StoreModule, StoreService, type StoreModuleOptions } from '../../lib/index.js';
import { listenHttp, type Platform } from '../support/http-app.js';
import { redisStore as redisStoreFor } from '../support/store-options.js';

export { PLATFORMS, type Platform } from '../support/http-app.js';

/** A running app, its base URL and its store. */
export interface CacheApp {
  app: INestApplication;
  url: string;
  store: StoreService;
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export interface CacheAppOptions {
  platform: Platform;
  controllers?: Array<Type<unknown>>;
  providers?: Provider[];
  store?: StoreModuleOptions;
}

/** Redis standalone from the harness, under a key prefix of its own (under the run's prefix). */
export const redisStore = (overrides: Partial<StoreModuleOptions> = {}): StoreModuleOptions =>
  redisStoreFor('cache', overrides);

/** Boots an app with StoreModule (which wires the decorators itself) and the given controllers and providers. */
export async function startCacheApp(options: CacheAppOptions): Promise<CacheApp> {
  @Module({
    imports: [StoreModule.forRoot(options.store ?? redisStore())],
    controllers: options.controllers ?? [],
    providers: options.providers ?? [],
  })
  class AppModule {}
  const { app, url } = await listenHttp(AppModule, options.platform);
  return { app, url, store: app.get(StoreService), fetch: (path, init) => fetch(url + path, init) };
}

/** Body as JSON, and the X-Cache header. */
export async function read(
  response: Response,
): Promise<{ status: number; body: unknown; cache: string | null }> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body, cache: response.headers.get('x-cache') };
}

/** A reply read whole by `rawRequest`. */
export interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The X-Cache header. */
  cache: string | undefined;
}

/**
 * One request with `node:http`, which sends the path exactly as given (`/a//b`, `/a/b/`) and any
 * `Host` header (fetch does neither).
 */
export function rawRequest(
  app: CacheApp,
  path: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawReply> {
  const { hostname, port } = new URL(app.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname, port, path, method: init.method ?? 'GET', headers: init.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const cache = res.headers['x-cache'];
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            cache: typeof cache === 'string' ? cache : undefined,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
