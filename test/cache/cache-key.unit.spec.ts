import 'reflect-metadata';
import { Controller, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { lastValueFrom, of } from 'rxjs';
import {
  Cacheable,
  CacheableInterceptor,
  StoreModule,
  StoreValidationError,
  type CacheKeyContext,
} from '../../lib/index.js';
import { fillTemplate, parameterNames } from '../../lib/nest/cache/cache-key.resolver.js';
import { defaultHttpKey } from '../../lib/nest/cache/http/http-default-key.js';

const ctx = (named: Array<Record<string, unknown>>, args: unknown[] = []): CacheKeyContext => ({
  type: 'method',
  className: 'C',
  methodName: 'm',
  args,
  named,
});

describe('cache key templates', () => {
  it('fills names (first source wins), positions and dotted paths', () => {
    expect(fillTemplate('user:{id}:{page}', ctx([{ id: 1 }, { id: 2, page: 'x' }]))).toBe(
      'user:1:x',
    );
    expect(fillTemplate('{0}:{1.a}', ctx([], ['z', { a: true }]))).toBe('z:true');
    expect(fillTemplate('o:{order.id}', ctx([{ order: { id: 9 } }]))).toBe('o:9');
  });

  it('refuses undefined, null and object values', () => {
    for (const value of [undefined, null, { a: 1 }, [1]])
      expect(fillTemplate('k:{v}', ctx([{ v: value }]))).toBeUndefined();
  });

  it('reads plain parameter names from source', () => {
    class Sample {
      async find(
        id: string,
        opts = { a: 1 },
        { nested }: { nested: number } = { nested: 1 },
        ...rest: unknown[]
      ) {
        return [id, opts, nested, rest];
      }
    }
    expect(parameterNames(Sample.prototype.find)).toEqual(['id', 'opts', undefined, undefined]);
  });

  it('builds the default HTTP key from the host, the path as received and a digest of the sorted query', () => {
    expect(defaultHttpKey('GET', 'Example.COM', '/Users/1')).toBe('http:GET example.com/Users/1');
    expect(defaultHttpKey('GET', 'a.example', '/')).toBe('http:GET a.example/');
    // the path is kept as the router received it: each of these may reach a handler with other params
    const paths = ['/files/a//b', '/files/a/b/', '/files/a/b'].map((path) =>
      defaultHttpKey('GET', 'h', path),
    );
    expect(new Set(paths).size).toBe(3);
    // the query is sorted (repeated values in order), then only its digest is kept
    const sorted = defaultHttpKey('GET', 'h', '/items?b=2&a=1&a=0');
    expect(sorted).toMatch(/^http:GET h\/items\?[\w-]{22}$/);
    expect(defaultHttpKey('GET', 'h', '/items?a=1&a=0&b=2')).toBe(sorted);
    expect(defaultHttpKey('GET', 'h', '/items?a=0&a=1&b=2')).not.toBe(sorted);
    expect(defaultHttpKey('GET', 'h', '/items?token=s3cret')).not.toContain('s3cret');
    expect(defaultHttpKey('GET', 'h', '/items#fragment')).toBe('http:GET h/items');
  });

  it('keeps the default HTTP key bounded whatever the URL', () => {
    const path = `/long/${'x'.repeat(20_000)}`;
    const key = defaultHttpKey('GET', 'h', `${path}?q=${'y'.repeat(20_000)}`);
    expect(key.length).toBeLessThanOrEqual(128);
    expect(key).not.toBe(defaultHttpKey('GET', 'h', `${path}z`));
  });

  it('rejects bad decorator options when the class is defined', () => {
    expect(() => Cacheable({ ttl: -1 })).toThrow(StoreValidationError);
    expect(() => Cacheable({ scope: 'everyone' as 'user' })).toThrow(StoreValidationError);
    expect(() => Cacheable({ credentialHeaders: ['x token'] })).toThrow(StoreValidationError);
    expect(() => Cacheable({ credentialHeaders: 'x-token' as unknown as string[] })).toThrow(
      StoreValidationError,
    );
    expect(() => Cacheable({ scope: 'public', credentialHeaders: ['X-Token'] })).not.toThrow();
  });
});

@Controller()
class EventsController {
  @Cacheable({ key: 'event:{id}', ttl: 60 })
  onEvent() {
    return undefined;
  }

  @Cacheable({ ttl: 60 })
  noKey() {
    return undefined;
  }
}

describe('CacheableInterceptor outside HTTP', () => {
  let app: INestApplicationContext;
  let interceptor: CacheableInterceptor;

  beforeAll(async () => {
    @Module({
      imports: [StoreModule.forRoot({ driver: 'memory' })],
      providers: [CacheableInterceptor],
    })
    class AppModule {}
    app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    interceptor = app.get(CacheableInterceptor);
  });

  afterAll(() => app.close());

  /** An RPC context whose args would explode if the interceptor treated them as req/res. */
  function rpcContext(handler: () => unknown, payload: unknown): ExecutionContextHost {
    const host = new ExecutionContextHost(
      [
        payload,
        {
          get headers(): never {
            throw new Error('touched req');
          },
        },
      ],
      EventsController,
      handler,
    );
    host.setType('rpc');
    return host;
  }

  it('caches RPC handlers with a key, from the payload', async () => {
    let runs = 0;
    const next = () => ({ handle: () => of(++runs) });
    const handler = EventsController.prototype.onEvent;
    expect(await lastValueFrom(interceptor.intercept(rpcContext(handler, { id: 5 }), next()))).toBe(
      1,
    );
    expect(await lastValueFrom(interceptor.intercept(rpcContext(handler, { id: 5 }), next()))).toBe(
      1,
    );
    expect(await lastValueFrom(interceptor.intercept(rpcContext(handler, { id: 6 }), next()))).toBe(
      2,
    );
  });

  it('passes RPC handlers without a key through uncached', async () => {
    let runs = 0;
    const handler = EventsController.prototype.noKey;
    for (const n of [1, 2])
      expect(
        await lastValueFrom(
          interceptor.intercept(rpcContext(handler, { id: 5 }), { handle: () => of(++runs) }),
        ),
      ).toBe(n);
  });
});
