/** For specs: a real Nest app serving its WebSocket gateways (ws adapter) on a free port. */
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';

/** A listening app and the URL of its gateway at `path`. */
export interface WsApp {
  app: INestApplication;
  url: string;
}

/** Starts `module` on 127.0.0.1 with the ws adapter; `path` is the gateway's path. */
export async function startWsApp(module: unknown, path = '/ws'): Promise<WsApp> {
  const app = await NestFactory.create(module as never, { logger: false });
  app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(0, '127.0.0.1');
  return {
    app,
    url: `ws://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}${path}`,
  };
}
