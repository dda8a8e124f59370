/** For specs: real Nest HTTP apps on Express or Fastify, listening on a free loopback port. */
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';

export type Platform = 'express' | 'fastify';

/** Both HTTP platforms, for `describe.each`. */
export const PLATFORMS: Platform[] = ['express', 'fastify'];

export interface ListenOptions {
  /** Express `app.set('trust proxy', true)` / `new FastifyAdapter({ trustProxy: true })`. */
  trustProxy?: boolean;
}

/** Boots `root` on `platform` and listens; bootstrap errors reject (the process is not exited). */
export async function listenHttp(
  root: Type<unknown>,
  platform: Platform = 'express',
  options: ListenOptions = {},
): Promise<{ app: INestApplication; url: string }> {
  const nest = { logger: false as const, abortOnError: false };
  let app: INestApplication;
  if (platform === 'fastify') {
    app = await NestFactory.create(
      root,
      new FastifyAdapter({ trustProxy: options.trustProxy ?? false }),
      nest,
    );
  } else {
    const express = await NestFactory.create<NestExpressApplication>(root, nest);
    if (options.trustProxy) express.set('trust proxy', true);
    app = express;
  }
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close();
    throw error;
  }
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}` };
}
