import 'reflect-metadata';
import { Controller, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Args, GraphQLModule, Int, Query, Resolver } from '@nestjs/graphql';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { firstValueFrom } from 'rxjs';
import WebSocket from 'ws';
import { StoreModule } from '../../lib/index.js';
import { RateLimit } from '../../lib/nest/rate-limit/rate-limit.decorator.js';
import { SkipRateLimit } from '../../lib/nest/rate-limit/skip-rate-limit.decorator.js';
import { startTcpMicroservice, type TcpMicroservice } from '../support/tcp-microservice.js';
import { startWsApp } from '../support/ws-app.js';
import { globalRateLimitGuard, memoryStore } from './rate-limit-app.js';
import { clearOfWindowEdge } from '../support/timing.js';

// Requests are counted in epoch-aligned windows: no test may straddle a window boundary.
beforeEach(() => clearOfWindowEdge());

@WebSocketGateway({ path: '/ws' })
class LimitedGateway {
  @SubscribeMessage('ping')
  @RateLimit({ limit: 2, window: 60 })
  ping(@MessageBody() body: { n: number }) {
    return { event: 'pong', data: body };
  }

  @SubscribeMessage('free')
  @SkipRateLimit()
  free(@MessageBody() body: { n: number }) {
    return { event: 'free', data: body };
  }

  @SubscribeMessage('default')
  byDefault(@MessageBody() body: { n: number }) {
    return { event: 'default', data: body };
  }
}

@Resolver()
class LimitedResolver {
  @Query(() => Int)
  @RateLimit({ limit: 2, window: 60 })
  limited(): number {
    return 1;
  }

  @Query(() => Int)
  @RateLimit([
    { name: 'burst', limit: 5, window: 60 },
    { name: 'perUser', limit: 1, window: 60, key: 'user' },
  ])
  perUser(@Args('n', { type: () => Int }) n: number): number {
    return n;
  }

  @Query(() => Int)
  free(): number {
    return 2;
  }
}

@Controller()
class RpcController {
  @MessagePattern('keyed')
  @RateLimit({
    limit: 1,
    window: 60,
    key: (ctx) => String(ctx.switchToRpc().getData<{ tenant: string }>().tenant),
  })
  keyed(@Payload() payload: { tenant: string }) {
    return { ok: payload.tenant };
  }

  @MessagePattern('unkeyed')
  @RateLimit({ limit: 1, window: 60 })
  unkeyed() {
    return { ok: true };
  }
}

/** Opens a connection, sends the messages in order and collects one reply per message. */
async function wsConversation(
  url: string,
  messages: Array<{ event: string; data: unknown }>,
): Promise<unknown[]> {
  const socket = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const replies: unknown[] = [];
    for (const message of messages) {
      const reply = new Promise<unknown>((resolve) =>
        socket.once('message', (raw) => resolve(JSON.parse(String(raw)))),
      );
      socket.send(JSON.stringify(message));
      replies.push(await reply);
    }
    return replies;
  } finally {
    socket.close();
  }
}

describe('RateLimitGuard on a WebSocket gateway (ws)', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    @Module({
      imports: [
        StoreModule.forRoot({
          ...memoryStore(),
          rateLimit: { defaults: { limit: 1, window: 60 } },
        }),
      ],
      providers: [LimitedGateway, ...globalRateLimitGuard()],
    })
    class WsModule {}
    ({ app, url } = await startWsApp(WsModule));
  });
  afterAll(() => app.close());

  it('counts messages per client IP and answers a refusal with an exception event carrying the 429 body', async () => {
    const replies = await wsConversation(url, [
      { event: 'ping', data: { n: 1 } },
      { event: 'ping', data: { n: 2 } },
      { event: 'ping', data: { n: 3 } },
    ]);
    expect(replies.slice(0, 2)).toEqual([
      { event: 'pong', data: { n: 1 } },
      { event: 'pong', data: { n: 2 } },
    ]);
    expect(replies[2]).toEqual({
      event: 'exception',
      data: {
        statusCode: 429,
        error: 'Too Many Requests',
        message: expect.any(String),
        policy: 'default',
        retryAfter: expect.any(Number),
      },
    });
    // same IP on a new connection: still refused
    expect(await wsConversation(url, [{ event: 'ping', data: { n: 4 } }])).toEqual([
      { event: 'exception', data: expect.objectContaining({ statusCode: 429 }) },
    ]);
  });

  it('applies the module defaults through APP_GUARD, and @SkipRateLimit() exempts a handler', async () => {
    const replies = await wsConversation(url, [
      { event: 'default', data: { n: 1 } },
      { event: 'default', data: { n: 2 } },
      { event: 'free', data: { n: 1 } },
      { event: 'free', data: { n: 2 } },
    ]);
    expect(replies).toEqual([
      { event: 'default', data: { n: 1 } },
      { event: 'exception', data: expect.objectContaining({ statusCode: 429 }) },
      { event: 'free', data: { n: 1 } },
      { event: 'free', data: { n: 2 } },
    ]);
  });
});

describe('RateLimitGuard on GraphQL resolvers (Apollo on Express)', () => {
  let app: INestApplication;
  let url: string;
  const query = async (source: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: source }),
    });
    return {
      status: response.status,
      limit: response.headers.get('x-ratelimit-limit'),
      remaining: response.headers.get('x-ratelimit-remaining'),
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as {
        data?: Record<string, unknown> | null;
        errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
      },
    };
  };

  beforeAll(async () => {
    @Module({
      imports: [
        StoreModule.forRoot(memoryStore()),
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          autoSchemaFile: true,
          playground: false,
          csrfPrevention: false,
          context: ({
            req,
            res,
          }: {
            req: { headers: Record<string, string | undefined>; user?: unknown };
            res: unknown;
          }) => {
            // stands in for an auth guard: the user comes from a header
            if (req.headers['x-user']) req.user = { id: req.headers['x-user'] };
            return { req, res };
          },
        }),
      ],
      providers: [LimitedResolver],
    })
    class GraphQlModule {}
    app = await NestFactory.create(GraphQlModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(() => app.close());

  it('limits a resolver, sets the headers on the HTTP response and refuses with the 429 body as a GraphQL error', async () => {
    const first = await query('{ limited }');
    expect(first.body).toEqual({ data: { limited: 1 } });
    expect(first.limit).toBe('2');
    expect(first.remaining).toBe('1');
    expect((await query('{ limited }')).body).toEqual({ data: { limited: 1 } });
    const refused = await query('{ limited }');
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors).toHaveLength(1);
    expect(refused.body.errors![0].message).toMatch(/Rate limit "default" exceeded/);
    expect(JSON.stringify(refused.body.errors![0].extensions)).toContain('"statusCode":429');
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
  });

  it('leaves resolvers without @RateLimit alone', async () => {
    for (let i = 0; i < 4; i++)
      expect((await query('{ free }')).body).toEqual({ data: { free: 2 } });
  });

  it("keys by user with key: 'user' (req.user.id), falling back to the IP", async () => {
    expect((await query('{ perUser(n: 1) }', { 'x-user': 'alice' })).body).toEqual({
      data: { perUser: 1 },
    });
    expect(
      (await query('{ perUser(n: 1) }', { 'x-user': 'alice' })).body.errors?.[0].message,
    ).toMatch(/"perUser"/);
    expect((await query('{ perUser(n: 2) }', { 'x-user': 'bob' })).body).toEqual({
      data: { perUser: 2 },
    });
    expect((await query('{ perUser(n: 3) }')).body).toEqual({ data: { perUser: 3 } });
    expect((await query('{ perUser(n: 3) }')).body.errors?.[0].message).toMatch(/"perUser"/);
  });
});

describe('RateLimitGuard on RPC (TCP microservice)', () => {
  let rpc: TcpMicroservice;

  beforeAll(async () => {
    @Module({ imports: [StoreModule.forRoot(memoryStore())], controllers: [RpcController] })
    class RpcModule {}
    rpc = await startTcpMicroservice(RpcModule);
  });
  afterAll(() => rpc.close());

  it('limits by a key function and refuses with an RpcException carrying the 429 body', async () => {
    expect(await firstValueFrom(rpc.client.send('keyed', { tenant: 'a' }))).toEqual({ ok: 'a' });
    await expect(firstValueFrom(rpc.client.send('keyed', { tenant: 'a' }))).rejects.toMatchObject({
      statusCode: 429,
      policy: 'default',
    });
    expect(await firstValueFrom(rpc.client.send('keyed', { tenant: 'b' }))).toEqual({ ok: 'b' });
  });

  it('does not limit RPC calls without a key function (no client IP)', async () => {
    for (let i = 0; i < 3; i++)
      expect(await firstValueFrom(rpc.client.send('unkeyed', {}))).toEqual({ ok: true });
  });
});
