/** For specs: a real TCP microservice of a module on a free port, and a connected client. */
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { findFreePort } from './redis-servers.js';

/** A listening microservice and a client connected to it. */
export interface TcpMicroservice {
  service: INestMicroservice;
  client: ClientProxy;
  close(): Promise<void>;
}

/** Starts `module` as a TCP microservice on 127.0.0.1 and connects a client to it. */
export async function startTcpMicroservice(module: unknown): Promise<TcpMicroservice> {
  const options = { host: '127.0.0.1', port: await findFreePort() };
  const service = await NestFactory.createMicroservice(module as never, {
    transport: Transport.TCP,
    options,
    logger: false,
  });
  await service.listen();
  const client = ClientProxyFactory.create({ transport: Transport.TCP, options });
  await client.connect();
  return {
    service,
    client,
    close: async () => {
      await client.close();
      await service.close();
    },
  };
}
