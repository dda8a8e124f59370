import { CACHE_KEY_PREFIX, type StoreModuleOptions } from '../../lib/index.js';
import { defaultHttpKey } from '../../lib/nest/cache/http/http-default-key.js';
import { startCacheApp, read, redisStore, type CacheApp, type Platform } from './cache-app.js';
import { calls, count, ItemsController } from './cache-test.controllers.js';

const SETUPS: Array<[string, Platform, () => StoreModuleOptions]> = [
  ['Express, Redis', 'express', () => redisStore()],
  ['Fastify, Redis', 'fastify', () => redisStore()],
  ['Express, memory driver', 'express', () => ({ driver: 'memory' })],
];

describe.each(SETUPS)('@Cacheable / @CacheEvict over HTTP (%s)', (_name, platform, store) => {
  let app: CacheApp;
  const get = async (path: string, headers: Record<string, string> = {}) =>
    read(await app.fetch(path, { headers }));

  beforeAll(async () => {
    app = await startCacheApp({ platform, controllers: [ItemsController], store: store() });
  });

  afterAll(async () => {
    await app.app.close();
  });

  beforeEach(async () => {
    calls.clear();
    await app.store.deleteByPattern('*');
  });

  it('misses once, then serves hits without running the handler', async () => {
    expect(await get('/items/1')).toEqual({ status: 200, body: { id: '1', n: 1 }, cache: 'MISS' });
    expect(await get('/items/1')).toEqual({ status: 200, body: { id: '1', n: 1 }, cache: 'HIT' });
    expect(await get('/items/2')).toMatchObject({ body: { id: '2', n: 1 }, cache: 'MISS' });
    expect(count('one:1')).toBe(1);
    expect(await app.store.has(`${CACHE_KEY_PREFIX}item:1`)).toBe(true);
  });

  it('HEAD is answered from the GET entry (and never fills it)', async () => {
    await get('/items/7');
    const head = await app.fetch('/items/7', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-cache')).toBe('HIT');
    expect(count('one:7')).toBe(1);
  });

  it('fills key templates from the query', async () => {
    expect(await get('/items/search?term=a&page=1')).toMatchObject({ cache: 'MISS' });
    expect(await get('/items/search?page=1&term=a')).toMatchObject({
      body: { term: 'a', n: 1 },
      cache: 'HIT',
    });
    expect(await get('/items/search?term=a&page=2')).toMatchObject({ cache: 'MISS' });
    expect(await app.store.has(`${CACHE_KEY_PREFIX}search:a:1`)).toBe(true);
  });

  it('does not cache when a placeholder is missing (never a key like "search:a:undefined")', async () => {
    expect(await get('/items/search?term=a')).toMatchObject({ status: 200, cache: 'BYPASS' });
    expect(await get('/items/search?term=a')).toMatchObject({ cache: 'BYPASS' });
    expect(count('search:a')).toBe(2);
    expect(await app.store.deleteByPattern('*undefined*')).toBe(0);
  });

  it('uses method + host + path + digest of the sorted query as the default key', async () => {
    expect(await get('/items?b=2&a=1&a=0')).toMatchObject({ cache: 'MISS' });
    expect(await get('/items?a=1&a=0&b=2')).toMatchObject({ body: { n: 1 }, cache: 'HIT' });
    expect(await get('/items?a=0&a=1&b=2')).toMatchObject({ cache: 'MISS' });
    const host = new URL(app.url).host;
    expect(
      await app.store.has(
        `${CACHE_KEY_PREFIX}${defaultHttpKey('GET', host, '/items?a=1&a=0&b=2')}`,
      ),
    ).toBe(true);
  });

  it('evicts after the handler succeeds, and not when it throws', async () => {
    await get('/items/1');
    expect((await app.fetch('/items/1/fail', { method: 'PUT' })).status).toBe(400);
    expect(await get('/items/1')).toMatchObject({ cache: 'HIT' });
    expect((await app.fetch('/items/1', { method: 'PUT' })).status).toBe(200);
    expect(await get('/items/1')).toMatchObject({ body: { n: 2 }, cache: 'MISS' });
  });

  it('evicts before the handler with beforeInvocation, even when it throws', async () => {
    await get('/items/3');
    expect((await app.fetch('/items/3/before', { method: 'PUT' })).status).toBe(400);
    expect(count('update-before')).toBe(1);
    expect(await get('/items/3')).toMatchObject({ body: { n: 2 }, cache: 'MISS' });
  });

  it('invalidates tagged entries across routes', async () => {
    await get('/items/1');
    await get('/items/2');
    await get('/items/summary');
    expect(await get('/items/summary')).toMatchObject({ cache: 'HIT' });
    expect((await app.fetch('/items', { method: 'DELETE' })).status).toBe(200);
    for (const path of ['/items/1', '/items/2', '/items/summary'])
      expect(await get(path)).toMatchObject({ cache: 'MISS' });
  });

  it('caches only GET and HEAD by default', async () => {
    for (let i = 0; i < 2; i++)
      expect((await app.fetch('/items', { method: 'POST' })).headers.get('x-cache')).toBeNull();
    expect(count('create')).toBe(2);
  });

  it('does not cache non-2xx responses', async () => {
    for (let i = 0; i < 2; i++) expect((await get('/items/missing')).status).toBe(404);
    expect(count('missing')).toBe(2);
    for (let i = 0; i < 2; i++) expect(await get('/items/teapot')).toMatchObject({ status: 418 });
    expect(count('teapot')).toBe(2);
  });

  it('passes StreamableFile and @Res() responses through untouched, uncached', async () => {
    for (const n of [1, 2]) {
      const response = await app.fetch('/items/file');
      expect(await response.text()).toBe(`file-${n}`);
    }
    for (const n of [1, 2]) expect((await get('/items/raw')).body).toEqual({ n });
  });

  it('never serves or writes a shared entry for requests with Authorization or Cookie (test/cache/cacheable.http-rules.spec.ts covers every rule)', async () => {
    expect(await get('/items/5', { authorization: 'Bearer alice' })).toMatchObject({
      body: { n: 1 },
      cache: 'BYPASS',
    });
    expect(await get('/items/5', { cookie: 'session=abc' })).toMatchObject({
      body: { n: 2 },
      cache: 'BYPASS',
    });
    expect(await get('/items/5')).toMatchObject({ body: { n: 3 }, cache: 'MISS' });
    expect(await get('/items/5', { authorization: 'Bearer alice' })).toMatchObject({
      body: { n: 4 },
      cache: 'BYPASS',
    });
    expect(await get('/items/5')).toMatchObject({ body: { n: 3 }, cache: 'HIT' });
  });

  it("keeps one entry per user with scope 'user'; one user's response never reaches another", async () => {
    expect(await get('/items/me', { authorization: 'Bearer alice' })).toMatchObject({
      body: { user: 'alice', n: 1 },
      cache: 'MISS',
    });
    expect(await get('/items/me', { authorization: 'Bearer bob' })).toMatchObject({
      body: { user: 'bob', n: 1 },
      cache: 'MISS',
    });
    expect(await get('/items/me', { authorization: 'Bearer alice' })).toMatchObject({
      body: { user: 'alice' },
      cache: 'HIT',
    });
    expect(await get('/items/me', { authorization: 'Bearer bob' })).toMatchObject({
      body: { user: 'bob' },
      cache: 'HIT',
    });
    expect(await get('/items/me')).toMatchObject({ body: { user: null }, cache: 'BYPASS' });
  });

  it('lets Cache-Control: no-cache skip the read and refresh the entry with honorNoCache', async () => {
    await get('/items/fresh');
    expect(await get('/items/fresh', { 'cache-control': 'no-cache' })).toMatchObject({
      body: { n: 2 },
      cache: 'MISS',
    });
    expect(await get('/items/fresh')).toMatchObject({ body: { n: 2 }, cache: 'HIT' });
    await get('/items/1');
    expect(await get('/items/1', { 'cache-control': 'no-cache' })).toMatchObject({ cache: 'HIT' });
  });

  it('applies condition and unless', async () => {
    expect(await get('/items/conditional?cache=no')).toMatchObject({
      body: { n: 1 },
      cache: 'BYPASS',
    });
    expect(await get('/items/conditional')).toMatchObject({ body: { n: 2 }, cache: 'MISS' });
    expect(await get('/items/conditional')).toMatchObject({ body: { n: 2 }, cache: 'HIT' });
    calls.clear();
    await app.store.deleteByPattern('*');
    expect(await get('/items/conditional')).toMatchObject({ body: { n: 1 }, cache: 'BYPASS' });
    expect(await get('/items/conditional')).toMatchObject({ body: { n: 2 }, cache: 'MISS' });
  });

  it('@NoCache leaves a handler alone', async () => {
    expect(await get('/items/never')).toMatchObject({ body: { n: 1 }, cache: null });
    expect(await get('/items/never')).toMatchObject({ body: { n: 2 }, cache: null });
  });
});
