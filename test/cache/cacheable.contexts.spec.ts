import 'reflect-metadata';
import { Controller, Module, type INestApplication } from '@nestjs/common';
import { APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { Args, Field, Int, ObjectType, Query, Resolver, GraphQLModule } from '@nestjs/graphql';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { firstValueFrom } from 'rxjs';
import WebSocket from 'ws';
import { Cacheable, CacheableInterceptor, StoreModule } from '../../lib/index.js';
import { startTcpMicroservice, type TcpMicroservice } from '../support/tcp-microservice.js';
import { startWsApp } from '../support/ws-app.js';
import { redisStore } from './cache-app.js';

/** Handler call counts, by handler. */
const calls = new Map<string, number>();
const called = (name: string) => {
  calls.set(name, (calls.get(name) ?? 0) + 1);
  return calls.get(name)!;
};

@Controller()
class RpcController {
  @MessagePattern('sum')
  sum(@Payload() numbers: number[]): { total: number; call: number } {
    return { total: numbers.reduce((a, b) => a + b, 0), call: called('sum') };
  }

  @MessagePattern('user.get')
  @Cacheable({ key: 'rpc-user:{id}', ttl: 60 })
  async user(@Payload() payload: { id: number }): Promise<{ id: number; call: number }> {
    return { id: payload.id, call: called('rpc-user') };
  }
}

@ObjectType()
class Profile {
  @Field(() => Int)
  id!: number;

  @Field(() => Int)
  call!: number;
}

@Resolver(() => Profile)
class ProfileResolver {
  @Query(() => Int)
  counter(): number {
    return called('counter');
  }

  @Query(() => Profile)
  @Cacheable({ key: 'gql-profile:{id}', ttl: 60 })
  async profile(@Args('id', { type: () => Int }) id: number): Promise<Profile> {
    return { id, call: called('gql-profile') };
  }
}

@WebSocketGateway({ path: '/ws' })
class ProfileGateway {
  @SubscribeMessage('ping')
  ping(@MessageBody() body: { n: number }): { event: string; data: { n: number; call: number } } {
    return { event: 'pong', data: { n: body.n, call: called('ws-ping') } };
  }

  @SubscribeMessage('profile')
  @Cacheable({ key: 'ws-profile:{id}', ttl: 60 })
  async profile(
    @MessageBody() body: { id: number },
  ): Promise<{ event: string; data: { id: number; call: number } }> {
    return { event: 'profile', data: { id: body.id, call: called('ws-profile') } };
  }
}

/** Sends one message on a fresh connection and resolves with the first reply. */
async function wsRequest(url: string, event: string, data: unknown): Promise<unknown> {
  const socket = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const reply = new Promise<unknown>((resolve) =>
      socket.once('message', (raw) => resolve(JSON.parse(String(raw)))),
    );
    socket.send(JSON.stringify({ event, data }));
    return await reply;
  } finally {
    socket.close();
  }
}

/** The global interceptor, as an app would register it. */
const GLOBAL_CACHE = { provide: APP_INTERCEPTOR, useExisting: CacheableInterceptor };

describe('CacheableInterceptor outside HTTP', () => {
  beforeEach(() => calls.clear());

  describe('RPC (TCP microservice) with the interceptor registered globally', () => {
    let rpc: TcpMicroservice;

    beforeAll(async () => {
      @Module({
        imports: [StoreModule.forRoot(redisStore())],
        controllers: [RpcController],
        providers: [GLOBAL_CACHE],
      })
      class RpcModule {}
      rpc = await startTcpMicroservice(RpcModule);
    });
    afterAll(() => rpc.close());

    it('passes handlers without @Cacheable through untouched', async () => {
      expect(await firstValueFrom(rpc.client.send('sum', [1, 2]))).toEqual({ total: 3, call: 1 });
      expect(await firstValueFrom(rpc.client.send('sum', [1, 2]))).toEqual({ total: 3, call: 2 });
    });

    it('caches @Cacheable handlers by a key from the payload', async () => {
      expect(await firstValueFrom(rpc.client.send('user.get', { id: 7 }))).toEqual({
        id: 7,
        call: 1,
      });
      expect(await firstValueFrom(rpc.client.send('user.get', { id: 7 }))).toEqual({
        id: 7,
        call: 1,
      });
      expect(await firstValueFrom(rpc.client.send('user.get', { id: 8 }))).toEqual({
        id: 8,
        call: 2,
      });
    });
  });

  describe('WebSocket gateway (ws) with the interceptor registered globally', () => {
    let app: INestApplication;
    let url: string;

    beforeAll(async () => {
      @Module({
        imports: [StoreModule.forRoot(redisStore())],
        providers: [ProfileGateway, GLOBAL_CACHE],
      })
      class WsModule {}
      ({ app, url } = await startWsApp(WsModule));
    });
    afterAll(() => app.close());

    it('passes handlers without @Cacheable through untouched', async () => {
      expect(await wsRequest(url, 'ping', { n: 1 })).toEqual({
        event: 'pong',
        data: { n: 1, call: 1 },
      });
      expect(await wsRequest(url, 'ping', { n: 1 })).toEqual({
        event: 'pong',
        data: { n: 1, call: 2 },
      });
    });

    it('caches @Cacheable handlers by a key from the message body', async () => {
      expect(await wsRequest(url, 'profile', { id: 3 })).toEqual({
        event: 'profile',
        data: { id: 3, call: 1 },
      });
      expect(await wsRequest(url, 'profile', { id: 3 })).toEqual({
        event: 'profile',
        data: { id: 3, call: 1 },
      });
      expect(await wsRequest(url, 'profile', { id: 4 })).toEqual({
        event: 'profile',
        data: { id: 4, call: 2 },
      });
    });
  });

  describe('GraphQL (Apollo on Express) with the interceptor registered globally', () => {
    let app: INestApplication;
    let url: string;
    const query = async (source: string, method: 'GET' | 'POST' = 'POST') => {
      const response =
        method === 'GET'
          ? await fetch(`${url}/graphql?query=${encodeURIComponent(source)}`)
          : await fetch(`${url}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ query: source }),
            });
      return {
        status: response.status,
        body: (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] },
      };
    };

    beforeAll(async () => {
      @Module({
        imports: [
          StoreModule.forRoot(redisStore()),
          GraphQLModule.forRoot<ApolloDriverConfig>({
            driver: ApolloDriver,
            autoSchemaFile: true,
            playground: false,
            csrfPrevention: false,
          }),
        ],
        providers: [ProfileResolver, GLOBAL_CACHE],
      })
      class GraphQlModule {}
      app = await NestFactory.create(GraphQlModule, { logger: false });
      await app.listen(0, '127.0.0.1');
      url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    });
    afterAll(() => app.close());

    it('passes resolvers without @Cacheable through, over POST and GET, without errors', async () => {
      expect(await query('{ counter }')).toEqual({ status: 200, body: { data: { counter: 1 } } });
      expect(await query('{ counter }', 'GET')).toEqual({
        status: 200,
        body: { data: { counter: 2 } },
      });
      expect(await query('{ counter }', 'GET')).toEqual({
        status: 200,
        body: { data: { counter: 3 } },
      });
    });

    it('caches @Cacheable resolvers by a key from the GraphQL arguments', async () => {
      expect(await query('{ profile(id: 1) { id call } }')).toEqual({
        status: 200,
        body: { data: { profile: { id: 1, call: 1 } } },
      });
      expect(await query('{ profile(id: 1) { id call } }')).toEqual({
        status: 200,
        body: { data: { profile: { id: 1, call: 1 } } },
      });
      expect(await query('{ profile(id: 2) { id call } }')).toEqual({
        status: 200,
        body: { data: { profile: { id: 2, call: 2 } } },
      });
    });
  });
});
