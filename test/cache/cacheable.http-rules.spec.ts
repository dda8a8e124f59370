/**
 * The HTTP rules of `@Cacheable` (RFC 9111 for a shared cache), over real HTTP on Express and
 * Fastify, on the memory driver and Redis standalone: who may share an entry, Vary, Host, HEAD,
 * what a HIT replays, what is never stored, router paths, and what reaches Redis key names and logs.
 */
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { StoreModuleOptions } from '../../lib/index.js';
import { waitFor } from '../contract/store-fixture.js';
import { harnessInfo } from '../support/harness-info.js';
import {
  rawRequest,
  redisStore,
  startCacheApp,
  type CacheApp,
  type Platform,
  type RawReply,
} from './cache-app.js';
import { calls, count } from './cache-test.controllers.js';
import {
  arrivals,
  closeGate,
  ExpressFilesController,
  FastifyFilesController,
  openGate,
  RulesController,
} from './http-rules.controllers.js';

const cache = { credentialHeaders: ['X-Tenant-Token'] };

const SETUPS: Array<[string, Platform, () => StoreModuleOptions]> = [
  ['Express, Redis', 'express', () => redisStore({ cache })],
  ['Fastify, Redis', 'fastify', () => redisStore({ cache })],
  ['Express, memory driver', 'express', () => ({ driver: 'memory', cache })],
  ['Fastify, memory driver', 'fastify', () => ({ driver: 'memory', cache })],
];

/** Every message any Nest logger was asked to print (the apps run with `logger: false`, the calls still happen). */
function spyOnLogs(): { messages: () => string[]; restore: () => void } {
  const levels = ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'] as const;
  const spies = levels.map((level) => jest.spyOn(Logger.prototype, level));
  return {
    messages: () =>
      spies.flatMap((spy) => spy.mock.calls.map((args) => args.map(String).join(' '))),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}

describe.each(SETUPS)('@Cacheable HTTP rules (%s)', (_name, platform, store) => {
  let app: CacheApp;
  const get = (
    path: string,
    headers: Record<string, string> = {},
    method = 'GET',
  ): Promise<RawReply> => rawRequest(app, path, { method, headers });

  beforeAll(async () => {
    const files = platform === 'fastify' ? FastifyFilesController : ExpressFilesController;
    app = await startCacheApp({ platform, controllers: [RulesController, files], store: store() });
  });

  afterAll(async () => {
    await app.app.close();
  });

  beforeEach(async () => {
    calls.clear();
    arrivals.clear();
    await app.store.deleteByPattern('*');
  });

  describe('who may share an entry', () => {
    it.each(['Authorization', 'Proxy-Authorization', 'Cookie', 'X-Api-Key', 'X-Tenant-Token'])(
      'a request with %s never reads or fills a shared entry (BYPASS, the handler runs)',
      async (header) => {
        expect(await get('/rules/open', { [header]: 'alice' })).toMatchObject({
          status: 200,
          cache: 'BYPASS',
          body: '{"n":1}',
        });
        expect(await get('/rules/open', { [header]: 'bob' })).toMatchObject({
          cache: 'BYPASS',
          body: '{"n":2}',
        });
        expect(await get('/rules/open')).toMatchObject({ cache: 'MISS', body: '{"n":3}' });
        expect(await get('/rules/open', { [header]: 'bob' })).toMatchObject({
          cache: 'BYPASS',
          body: '{"n":4}',
        });
        expect(await get('/rules/open')).toMatchObject({ cache: 'HIT', body: '{"n":3}' });
      },
    );

    it("adds a route's credentialHeaders on that route only", async () => {
      expect(await get('/rules/route-secret', { 'x-route-secret': 'alice' })).toMatchObject({
        cache: 'BYPASS',
      });
      expect(await get('/rules/route-secret')).toMatchObject({ cache: 'MISS' });
      expect(await get('/rules/route-secret', { 'x-route-secret': 'bob' })).toMatchObject({
        cache: 'BYPASS',
      });
      expect(count('route-secret')).toBe(3);
      expect(await get('/rules/open')).toMatchObject({ cache: 'MISS' });
      expect(await get('/rules/open', { 'x-route-secret': 'alice' })).toMatchObject({
        cache: 'HIT',
      });
    });

    it('bypasses a shared entry when a guard set req.user (from something that is not a credential header)', async () => {
      expect(await get('/rules/open', { 'x-user': 'alice' })).toMatchObject({
        cache: 'BYPASS',
        body: '{"n":1}',
      });
      expect(await get('/rules/open')).toMatchObject({ cache: 'MISS', body: '{"n":2}' });
      expect(await get('/rules/open', { 'x-user': 'bob' })).toMatchObject({
        cache: 'BYPASS',
        body: '{"n":3}',
      });
      expect(await get('/rules/open')).toMatchObject({ cache: 'HIT', body: '{"n":2}' });
    });

    it("keeps one entry per user with scope 'user'", async () => {
      expect(await get('/rules/mine', { 'x-user': 'alice' })).toMatchObject({
        cache: 'MISS',
        body: '{"user":"alice","n":1}',
      });
      expect(await get('/rules/mine', { 'x-user': 'bob' })).toMatchObject({
        cache: 'MISS',
        body: '{"user":"bob","n":1}',
      });
      expect(await get('/rules/mine', { 'x-user': 'alice' })).toMatchObject({
        cache: 'HIT',
        body: '{"user":"alice","n":1}',
      });
      expect(await get('/rules/mine', { 'x-user': 'bob' })).toMatchObject({
        cache: 'HIT',
        body: '{"user":"bob","n":1}',
      });
      expect(await get('/rules/mine')).toMatchObject({
        cache: 'BYPASS',
        body: '{"user":null,"n":1}',
      });
    });

    it("shares one entry with everyone, credentials or not, with scope 'public'", async () => {
      expect(await get('/rules/public', { 'x-user': 'alice' })).toMatchObject({
        cache: 'MISS',
        body: '{"n":1}',
      });
      expect(await get('/rules/public', { 'x-user': 'bob' })).toMatchObject({
        cache: 'HIT',
        body: '{"n":1}',
      });
      expect(
        await get('/rules/public', { authorization: 'Bearer carol', cookie: 'sid=1' }),
      ).toMatchObject({ cache: 'HIT', body: '{"n":1}' });
      expect(await get('/rules/public')).toMatchObject({ cache: 'HIT', body: '{"n":1}' });
    });
  });

  describe('Vary', () => {
    it('keeps one entry per value of the varied headers, and replays Vary on a HIT', async () => {
      const en = { 'accept-language': 'en' };
      const fr = { 'accept-language': 'fr' };
      expect(await get('/rules/greeting', en)).toMatchObject({
        cache: 'MISS',
        body: '{"text":"hello","n":1}',
      });
      expect(await get('/rules/greeting', fr)).toMatchObject({
        cache: 'MISS',
        body: '{"text":"bonjour","n":1}',
      });
      const hit = await get('/rules/greeting', en);
      expect(hit).toMatchObject({ cache: 'HIT', body: '{"text":"hello","n":1}' });
      expect(hit.headers['vary']).toMatch(/accept-language/i);
      expect(await get('/rules/greeting', fr)).toMatchObject({
        cache: 'HIT',
        body: '{"text":"bonjour","n":1}',
      });
      expect(await get('/rules/greeting')).toMatchObject({
        cache: 'MISS',
        body: '{"text":"hello","n":1}',
      });
      expect(await get('/rules/greeting')).toMatchObject({ cache: 'HIT' });
      expect([count('greeting:en'), count('greeting:fr'), count('greeting:undefined')]).toEqual([
        1, 1, 1,
      ]);
    });

    it('serves no variant stored before the route key was evicted', async () => {
      await get('/rules/greeting', { 'accept-language': 'en' });
      await get('/rules/greeting', { 'accept-language': 'fr' });
      expect((await get('/rules/greeting', {}, 'PUT')).status).toBe(200);
      expect(await get('/rules/greeting', { 'accept-language': 'en' })).toMatchObject({
        cache: 'MISS',
        body: '{"text":"hello","n":2}',
      });
      expect(await get('/rules/greeting', { 'accept-language': 'fr' })).toMatchObject({
        cache: 'MISS',
        body: '{"text":"bonjour","n":2}',
      });
      expect(await get('/rules/greeting', { 'accept-language': 'fr' })).toMatchObject({
        cache: 'HIT',
        body: '{"text":"bonjour","n":2}',
      });
    });

    it("serves no variant stored before one of the route's tags was invalidated", async () => {
      await get('/rules/greeting', { 'accept-language': 'en' });
      await get('/rules/greeting', { 'accept-language': 'fr' });
      expect((await get('/rules/greetings', {}, 'PUT')).status).toBe(200);
      expect(await get('/rules/greeting', { 'accept-language': 'fr' })).toMatchObject({
        cache: 'MISS',
        body: '{"text":"bonjour","n":2}',
      });
      expect(await get('/rules/greeting', { 'accept-language': 'en' })).toMatchObject({
        cache: 'MISS',
        body: '{"text":"hello","n":2}',
      });
    });

    it("refreshes only the caller's variant on Cache-Control: no-cache (honorNoCache)", async () => {
      const en = { 'accept-language': 'en' };
      const fr = { 'accept-language': 'fr' };
      await get('/rules/greeting-fresh', en);
      await get('/rules/greeting-fresh', fr);
      expect(
        await get('/rules/greeting-fresh', { ...en, 'cache-control': 'no-cache' }),
      ).toMatchObject({ cache: 'MISS', body: '{"language":"en","n":2}' });
      expect(await get('/rules/greeting-fresh', en)).toMatchObject({
        cache: 'HIT',
        body: '{"language":"en","n":2}',
      });
      expect(await get('/rules/greeting-fresh', fr)).toMatchObject({
        cache: 'HIT',
        body: '{"language":"fr","n":1}',
      });
    });

    it('never stores a response with Vary: *', async () => {
      for (const n of [1, 2])
        expect(await get('/rules/vary-star')).toMatchObject({
          cache: 'BYPASS',
          body: `{"n":${n}}`,
        });
    });
  });

  it('stores a body holding a Date as it went out (its JSON form), and a HIT answers the same bytes', async () => {
    const body = '{"at":"2026-01-02T03:04:05.000Z","n":1}';
    expect(await get('/rules/dated')).toMatchObject({ cache: 'MISS', body });
    expect(await get('/rules/dated')).toMatchObject({ cache: 'HIT', body });
  });

  it('keeps one entry per Host (virtual hosts)', async () => {
    expect(await get('/rules/host', { host: 'a.example' })).toMatchObject({
      cache: 'MISS',
      body: '{"host":"a.example","n":1}',
    });
    expect(await get('/rules/host', { host: 'b.example' })).toMatchObject({
      cache: 'MISS',
      body: '{"host":"b.example","n":1}',
    });
    expect(await get('/rules/host', { host: 'a.example' })).toMatchObject({
      cache: 'HIT',
      body: '{"host":"a.example","n":1}',
    });
    expect(await get('/rules/host', { host: 'b.example' })).toMatchObject({
      cache: 'HIT',
      body: '{"host":"b.example","n":1}',
    });
  });

  it('keys by the host name, not the port: one app reached on several ports shares its entries', async () => {
    expect(await get('/rules/host', { host: 'c.example:3000' })).toMatchObject({
      cache: 'MISS',
      body: '{"host":"c.example:3000","n":1}',
    });
    expect(await get('/rules/host', { host: 'c.example:41234' })).toMatchObject({
      cache: 'HIT',
      body: '{"host":"c.example:3000","n":1}',
    });
    expect(await get('/rules/host', { host: '[::1]:3000' })).toMatchObject({
      cache: 'MISS',
      body: '{"host":"[::1]:3000","n":1}',
    });
    expect(await get('/rules/host', { host: '[::1]:3001' })).toMatchObject({
      cache: 'HIT',
      body: '{"host":"[::1]:3000","n":1}',
    });
  });

  it('never fills the GET entry from a HEAD; answers a HEAD from the GET entry', async () => {
    expect(await get('/rules/head', {}, 'HEAD')).toMatchObject({
      status: 200,
      cache: 'BYPASS',
      body: '',
    });
    expect(await get('/rules/head')).toMatchObject({
      cache: 'MISS',
      body: '{"body":"the whole body","n":2}',
    });
    expect(await get('/rules/head')).toMatchObject({
      cache: 'HIT',
      body: '{"body":"the whole body","n":2}',
    });
    expect(await get('/rules/head', {}, 'HEAD')).toMatchObject({
      status: 200,
      cache: 'HIT',
      body: '',
    });
    expect(count('head')).toBe(2);
  });

  describe('what a HIT replays', () => {
    it('the status, the content type and the headers the handler set', async () => {
      const miss = await get('/rules/echo?q=1');
      expect(miss).toMatchObject({ status: 203, cache: 'MISS', body: '<script>1</script> #1' });
      const hit = await get('/rules/echo?q=1');
      expect(hit).toMatchObject({ status: 203, cache: 'HIT', body: '<script>1</script> #1' });
      for (const reply of [miss, hit]) {
        expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
        expect(reply.headers['x-handler']).toBe('set by the handler');
      }
      expect(Number(hit.headers['age'])).toBeGreaterThanOrEqual(0);
      expect(await get('/rules/created')).toMatchObject({ status: 201, cache: 'MISS' });
      expect(await get('/rules/created')).toMatchObject({
        status: 201,
        cache: 'HIT',
        body: '{"n":1}',
      });
    });

    it('not the headers set before the handler (a guard sets its own again)', async () => {
      const miss = await get('/rules/echo?q=2');
      const hit = await get('/rules/echo?q=2');
      expect(hit.cache).toBe('HIT');
      expect(Number(hit.headers['x-guard'])).toBe(Number(miss.headers['x-guard']) + 1);
    });

    it('to every caller of a shared load', async () => {
      closeGate();
      const replies = Array.from({ length: 5 }, () => get('/rules/gated'));
      await waitFor(() => (arrivals.get('/rules/gated') ?? 0) === 5, 5_000, 'five callers');
      openGate();
      for (const reply of await Promise.all(replies)) {
        expect(reply).toMatchObject({ status: 203, body: expect.stringMatching(/^gated #\d$/) });
        expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
      }
    });

    it('on a STALE answer too', async () => {
      expect(await get('/rules/stale', { 'accept-language': 'fr' })).toMatchObject({
        status: 203,
        cache: 'MISS',
      });
      let stale: RawReply | undefined;
      await waitFor(
        async () => {
          const reply = await get('/rules/stale', { 'accept-language': 'fr' });
          if (reply.cache === 'STALE') stale = reply;
          return stale !== undefined;
        },
        5_000,
        'a STALE answer',
      );
      expect(stale).toMatchObject({ status: 203, body: expect.stringMatching(/^fr #\d$/) });
      expect(stale!.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(stale!.headers['vary']).toMatch(/accept-language/i);
    });
  });

  describe('responses never stored', () => {
    it.each([
      ['Cache-Control: private', '/rules/private', 'private, max-age=60'],
      ['Cache-Control: no-store', '/rules/no-store', 'no-store'],
    ])('%s', async (_what, path, directive) => {
      for (let i = 0; i < 2; i++) {
        const reply = await get(path);
        expect(reply).toMatchObject({ status: 200, cache: 'BYPASS', body: `{"n":${i + 1}}` });
        expect(reply.headers['cache-control']).toBe(directive);
      }
    });

    it('Set-Cookie (and each caller gets its own cookie)', async () => {
      const first = await get('/rules/cookie');
      const second = await get('/rules/cookie');
      expect([first.cache, second.cache]).toEqual(['BYPASS', 'BYPASS']);
      expect([first.body, second.body]).toEqual(['{"n":1}', '{"n":2}']);
      expect(String(second.headers['set-cookie'])).toContain('session=2');
    });

    it("Cache-Control: private is stored in a per-user entry (scope 'user' is a private cache)", async () => {
      expect(await get('/rules/private-mine', { 'x-user': 'alice' })).toMatchObject({
        cache: 'MISS',
      });
      expect(await get('/rules/private-mine', { 'x-user': 'alice' })).toMatchObject({
        cache: 'HIT',
        body: '{"user":"alice","n":1}',
      });
      expect(await get('/rules/private-mine', { 'x-user': 'bob' })).toMatchObject({
        cache: 'MISS',
        body: '{"user":"bob","n":1}',
      });
    });
  });

  it('keys catch-all paths as the router received them: /a//b, /a/b/ and /a/b are three entries', async () => {
    const paths = ['/files/a//b', '/files/a/b/', '/files/a/b'];
    const misses: RawReply[] = [];
    for (const path of paths) misses.push(await get(path));
    for (const miss of misses) expect(miss).toMatchObject({ status: 200, cache: 'MISS' });
    for (const [i, path] of paths.entries())
      expect(await get(path)).toMatchObject({ cache: 'HIT', body: misses[i].body });
  });

  it('replaces a value under the key that this interceptor did not write', async () => {
    await app.store.set('cache:legacy', { written: 'by an older version' });
    expect(await get('/rules/legacy')).toMatchObject({ cache: 'MISS', body: '{"n":1}' });
    expect(await get('/rules/legacy')).toMatchObject({ cache: 'HIT', body: '{"n":1}' });
  });

  describe('Redis key names and logs', () => {
    const token = `tok${'3'.repeat(8)}secret`;

    it('never puts a query token in clear in a key name', async () => {
      expect(await get(`/rules/token?token=${token}`)).toMatchObject({ cache: 'MISS' });
      expect(await get(`/rules/token?token=${token}`)).toMatchObject({ cache: 'HIT' });
      expect(await app.store.deleteByPattern(`*${token}*`)).toBe(0);
      if (app.store.driverKind !== 'redis') return;
      const prefix = app.store.redisKey('x').slice(0, -1);
      const client = new Redis(harnessInfo().standaloneUrl);
      try {
        const keys: string[] = [];
        for await (const batch of client.scanStream({ match: `${prefix}*`, count: 1000 }))
          keys.push(...(batch as string[]));
        expect(keys.some((key) => key.includes('/rules/token?'))).toBe(true);
        expect(keys.filter((key) => key.includes(token))).toEqual([]);
      } finally {
        client.disconnect();
      }
    });

    it('never logs a long URL or a long key whole', async () => {
      const logs = spyOnLogs();
      try {
        const longToken = `${token}${'x'.repeat(15_000)}`;
        expect(await get(`/rules/token?token=${longToken}`)).toMatchObject({
          cache: 'MISS',
          body: `{"length":${longToken.length},"n":1}`,
        });
        expect(await get(`/rules/token?token=${longToken}`)).toMatchObject({ cache: 'HIT' });
        // a key longer than maxKeyLength: refused by the store, the call goes uncached and is logged
        const q = 'q'.repeat(2_000);
        for (const n of [1, 2])
          expect(await get(`/rules/long-key?q=${q}`)).toMatchObject({
            cache: 'BYPASS',
            body: `{"length":2000,"n":${n}}`,
          });
        const messages = logs.messages();
        expect(messages.some((message) => message.includes('cache:long:qqqq'))).toBe(true);
        for (const message of messages) {
          expect(message).not.toContain(token);
          expect(message).not.toContain(`long:${q}`);
          expect(message.length).toBeLessThan(500);
        }
      } finally {
        logs.restore();
      }
    });
  });
});
