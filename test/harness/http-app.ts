/** For module specs: a real Nest HTTP app on Express or Fastify, listening on a free loopback port. */
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

export type HttpPlatform = 'express' | 'fastify';

/** Boots `root` on `platform` and listens; bootstrap errors reject (the process is not exited). */
export async function listenHttp(root: Type<unknown>, platform: HttpPlatform = 'express'): Promise<{ app: INestApplication; url: string }> {
  const options = { logger: false as const, abortOnError: false };
  const app = platform === 'fastify' ? await NestFactory.create(root, new FastifyAdapter(), options) : await NestFactory.create(root, options);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}` };
}
