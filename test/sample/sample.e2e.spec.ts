import type { INestApplication } from '@nestjs/common';
import { StoreService } from '../../lib/index.js';
import { createSampleApp, type SampleConfig } from '../../sample/app.factory.js';
import { UsersDatabase } from '../../sample/users/users.database.js';
import { UsersService } from '../../sample/users/users.service.js';
import { harnessInfo } from '../support/harness-info.js';
import { testKeyPrefix } from '../support/key-prefix.js';
import { clearOfWindowEdge } from '../support/timing.js';

// Requests are counted in epoch-aligned windows: no test may straddle a window boundary.
beforeEach(() => clearOfWindowEdge());

/**
 * The sample app over real HTTP, once on the memory driver and once on the harness's Redis.
 * Each run writes under its own random key prefix, so it collides with nothing (not even a
 * previous run against a long-lived REDIS_URL), and deletes its keys at the end; what is left
 * (tag keys, rate-limit state) is under the run's prefix, which global-teardown clears.
 */
const runs: Array<{ driver: string; config: () => SampleConfig }> = [
  { driver: 'memory', config: () => ({ keyPrefix: prefix('memory') }) },
  {
    driver: 'Redis standalone',
    config: () => ({ redisUrl: harnessInfo().standaloneUrl, keyPrefix: prefix('redis') }),
  },
];

function prefix(driver: string): string {
  return testKeyPrefix(`sample-e2e:${driver}`);
}

describe.each(runs)('sample app on $driver', ({ config }) => {
  let app: INestApplication;
  let baseUrl: string;
  let db: UsersDatabase;

  beforeAll(async () => {
    app = await createSampleApp(config(), { logger: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
    db = app.get(UsersDatabase);
  });

  afterAll(async () => {
    if (!app) return;
    try {
      // What the sample wrote: cached users, and counters in their namespace (tag keys and
      // rate-limit state expire on their own: within 10 s, or 5 min for the blocked login).
      const store = app.get(StoreService);
      await store.deleteByPattern('*');
      await store.namespace('counters').deleteByPattern('*');
    } finally {
      await app.close();
    }
  });

  async function http(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON bodies, read by property in the assertions
  ): Promise<{ status: number; body: any; xCache?: string }> {
    const response = await fetch(baseUrl + path, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? JSON.parse(text) : undefined,
      xCache: response.headers.get('x-cache') ?? undefined,
    };
  }

  describe('users (@Cacheable / @CacheEvict with tags)', () => {
    it('serves a second GET /users/:id from the cache: MISS then HIT, the database is read once', async () => {
      const readsBefore = db.reads;
      const first = await http('GET', '/users/1');
      const second = await http('GET', '/users/1');

      expect(first).toEqual({
        status: 200,
        body: { id: 1, name: 'Ada Lovelace', email: 'ada@example.com' },
        xCache: 'MISS',
      });
      expect(second).toEqual({ ...first, xCache: 'HIT' });
      expect(db.reads - readsBefore).toBe(1);
    });

    it('reads the database once for concurrent misses of one user', async () => {
      const readsBefore = db.reads;
      const responses = await Promise.all(Array.from({ length: 5 }, () => http('GET', '/users/3')));

      expect(responses.map((r) => r.body.name)).toEqual(Array(5).fill('Grace Hopper'));
      expect(db.reads - readsBefore).toBe(1);
    });

    it('caches the list too', async () => {
      const readsBefore = db.reads;
      const first = await http('GET', '/users');
      const second = await http('GET', '/users');

      expect(first.status).toBe(200);
      expect(first.body).toHaveLength(3);
      expect([first.xCache, second.xCache]).toEqual(['MISS', 'HIT']);
      expect(second.body).toEqual(first.body);
      expect(db.reads - readsBefore).toBe(1);
    });

    it('serves the updated user and list after PUT (evicted by tag), and keeps other users cached', async () => {
      await http('GET', '/users/1'); // warm user 1, user 2 and the list
      await http('GET', '/users/2');
      await http('GET', '/users');
      const put = await http('PUT', '/users/1', { name: 'Ada King' });
      expect(put).toMatchObject({
        status: 200,
        body: { id: 1, name: 'Ada King', email: 'ada@example.com' },
      });

      const readsBefore = db.reads;
      const user = await http('GET', '/users/1');
      const list = await http('GET', '/users');
      const other = await http('GET', '/users/2');
      expect(user).toEqual({ status: 200, body: put.body, xCache: 'MISS' });
      expect(list.xCache).toBe('MISS');
      expect(list.body).toContainEqual(put.body);
      expect(list.body).not.toContainEqual(expect.objectContaining({ name: 'Ada Lovelace' }));
      expect(other).toMatchObject({ body: { name: 'Alan Turing' }, xCache: 'HIT' });
      // user 1 and the list were reloaded; user 2 still came from the cache
      expect(db.reads - readsBefore).toBe(2);
      expect((await http('GET', '/users/1')).xCache).toBe('HIT');
    });

    it('evicts nothing when the PUT fails', async () => {
      await http('GET', '/users/2');
      expect((await http('PUT', '/users/2', {})).status).toBe(400);
      expect((await http('GET', '/users/2')).xCache).toBe('HIT');
    });

    it('never serves or stores a shared entry for a request with Authorization: X-Cache BYPASS, the handler runs', async () => {
      await http('GET', '/users/1'); // cached for everyone
      const readsBefore = db.reads;
      const response = await http('GET', '/users/1', undefined, {
        authorization: 'Bearer someone',
      });

      expect(response).toMatchObject({ status: 200, body: { id: 1 }, xCache: 'BYPASS' });
      expect(db.reads - readsBefore).toBe(1);
    });

    it('answers 404 for a missing user and caches nothing for it', async () => {
      const readsBefore = db.reads;
      const first = await http('GET', '/users/404');
      const second = await http('GET', '/users/404');
      expect([first.status, second.status]).toEqual([404, 404]);
      expect(second.xCache).not.toBe('HIT');
      expect(db.reads - readsBefore).toBe(2);
    });

    it('caches UsersService.stats(), a @Cacheable provider method: one computation for two requests', async () => {
      const readsBefore = db.reads;
      const first = await http('GET', '/users/stats');
      const second = await http('GET', '/users/stats');

      expect(first).toMatchObject({
        status: 200,
        body: { total: 3, computedAt: expect.any(String) },
      });
      expect(second.body).toEqual(first.body);
      expect(db.reads - readsBefore).toBe(1);
      // the wrapper is on the provider itself: a direct call (no HTTP) is served from the same entry
      expect(await app.get(UsersService).stats()).toEqual(first.body);
      expect(db.reads - readsBefore).toBe(1);
    });
  });

  describe('counters', () => {
    it('increments atomically and reads back', async () => {
      expect(await http('GET', '/counters/visits')).toEqual({
        status: 200,
        body: { name: 'visits', value: 0 },
      });
      expect((await http('POST', '/counters/visits')).body).toEqual({ name: 'visits', value: 1 });
      expect((await http('POST', '/counters/visits')).body).toEqual({ name: 'visits', value: 2 });
      expect((await http('POST', '/counters/visits?by=5')).body).toEqual({
        name: 'visits',
        value: 7,
      });

      await Promise.all(Array.from({ length: 10 }, () => http('POST', '/counters/visits')));
      expect(await http('GET', '/counters/visits')).toEqual({
        status: 200,
        body: { name: 'visits', value: 17 },
      });
    });

    it('maps a StoreValidationError to 400', async () => {
      const response = await http('POST', '/counters/visits?by=1.5');

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        statusCode: 400,
        code: expect.stringMatching(/^STORE_/),
      });
      expect(response.body.message).toContain('1.5');
      expect((await http('GET', '/counters/visits')).body.value).toBe(17);
    });
  });

  describe('rate limits (login: sliding window + block; API: token bucket module default)', () => {
    async function login(username: string, password: string): Promise<Response> {
      return fetch(baseUrl + '/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
    }

    it('refuses the 6th bad login within a minute with 429, Retry-After and a body naming "login"; then blocks a good one too', async () => {
      // Each run has its own key prefix, so this app's login counter starts at zero.
      for (let attempt = 1; attempt <= 5; attempt++) {
        const response = await login('ada', 'wrong');
        expect(response.status).toBe(401);
        expect(response.headers.get('ratelimit-policy')).toBe('"api";q=100;w=10, "login";q=5;w=60');
        expect(response.headers.get('x-ratelimit-remaining')).toBe(String(5 - attempt));
        await response.text();
      }

      const refused = await login('ada', 'wrong');
      expect(refused.status).toBe(429);
      // blockDuration '5m': the client waits the block out, not just the window
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(60);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(300);
      expect(refused.headers.get('x-ratelimit-limit')).toBe('5');
      expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(await refused.json()).toEqual({
        statusCode: 429,
        error: 'Too Many Requests',
        message: expect.stringContaining('"login"'),
        policy: 'login',
        retryAfter: Number(refused.headers.get('retry-after')),
      });

      // the right password does not lift the block
      const good = await login('ada', 'lovelace');
      expect(good.status).toBe(429);
      expect(((await good.json()) as { policy: string }).policy).toBe('login');
    });

    it("accepts the right password with a token (in a fresh app: this one's client is blocked above)", async () => {
      // A fresh app with its own prefix: nothing counted, nothing blocked.
      const fresh = await createSampleApp(
        { ...config(), keyPrefix: prefix('login') },
        { logger: false },
      );
      try {
        await fresh.listen(0, '127.0.0.1');
        const response = await fetch((await fresh.getUrl()) + '/auth/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'ada', password: 'lovelace' }),
        });
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ token: 'demo-token' });
      } finally {
        await fresh.close();
      }
    });

    it('puts the "api" token bucket on every other route: X-RateLimit-Limit 100 and the IETF fields', async () => {
      const response = await fetch(baseUrl + '/counters/rate-limited');
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit')).toBe('100');
      expect(Number(response.headers.get('x-ratelimit-remaining'))).toBeLessThan(100);
      expect(response.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
      expect(response.headers.get('ratelimit-policy')).toBe('"api";q=100;w=10');
      expect(response.headers.get('ratelimit')).toMatch(/^"api";r=\d+;t=\d+$/);
      expect(response.headers.get('retry-after')).toBeNull();
      await response.text();
    });

    it('sends no "api" headers on GET /events (@SkipRateLimit(\'api\'))', async () => {
      const response = await fetch(baseUrl + '/events');
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit')).toBeNull();
      expect(response.headers.get('ratelimit-policy')).toBeNull();
      expect(response.headers.get('ratelimit')).toBeNull();
      await response.text();
    });
  });

  describe('health (Terminus)', () => {
    it('GET /health reports the store up, with each connection', async () => {
      const { status, body } = await http('GET', '/health');
      expect(status).toBe(200);
      expect(body.status).toBe('ok');
      expect(body.details.store.status).toBe('up');
      expect(body.details.store.connections.length).toBeGreaterThan(0);
      for (const connection of body.details.store.connections) expect(connection.ok).toBe(true);
    });
  });

  describe('metrics (Prometheus)', () => {
    it('serves the store metrics at GET /metrics, in the Prometheus text format', async () => {
      await http('GET', '/users/2'); // a cache lookup to count
      const response = await fetch(`${baseUrl}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      expect(text).toContain('# TYPE nestjs_store_cache_requests_total counter');
      expect(text).toMatch(
        /nestjs_store_cache_requests_total\{store="default",result="(hit|miss)"\}/,
      );
      expect(text).toMatch(/nestjs_store_connection_up\{store="default"\} 1/);
    });
  });

  describe('events (pub/sub)', () => {
    it('publishes, reports the number of receivers, and the sample receives it', async () => {
      const published = await http('POST', '/events/greetings', { text: 'hello' });
      expect(published).toEqual({ status: 200, body: { receivers: 1 } });

      const received = await eventually(async () => {
        const { body } = await http('GET', '/events');
        return body.received.find(
          (m: { message: unknown }) => (m.message as { text?: string })?.text === 'hello',
        );
      });
      expect(received).toMatchObject({ channel: 'greetings', message: { text: 'hello' } });
    });

    it('returns 0 receivers on a channel nobody listens to', async () => {
      expect(await http('POST', '/events/nobody-listens', { n: 1 })).toEqual({
        status: 200,
        body: { receivers: 0 },
      });
    });

    it('streams a channel as Server-Sent Events, and refuses channels that are not watchable', async () => {
      const abort = new AbortController();
      const response = await fetch(baseUrl + '/events/stream/greetings', { signal: abort.signal });
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = response.body!.getReader();
      let text = '';
      try {
        const seen = await eventually(async () => {
          await http('POST', '/events/greetings', { text: 'to the browser' });
          const { value } = await Promise.race([
            reader.read(),
            new Promise<{ value?: undefined }>((resolve) => setTimeout(() => resolve({}), 100)),
          ]);
          if (value) text += new TextDecoder().decode(value);
          return text.includes('to the browser') ? text : undefined;
        });
        expect(seen).toContain('event: greetings');
        expect(seen).toContain('data: {"text":"to the browser"}');
      } finally {
        abort.abort();
      }
      expect((await http('GET', '/events/stream/secrets')).status).toBe(404);
    });

    it('invalidates a cached user when another system publishes on user-events (@OnChannel)', async () => {
      await http('GET', '/users/2');
      expect((await http('GET', '/users/2')).xCache).toBe('HIT');
      // Changed behind the app's back: the cache still serves the old name.
      await db.update(2, { name: 'Changed Elsewhere' });
      expect((await http('GET', '/users/2')).body.name).not.toBe('Changed Elsewhere');
      await http('POST', '/events/user-events', { id: 2 });
      const fresh = await eventually(async () => {
        const answer = await http('GET', '/users/2');
        return answer.body.name === 'Changed Elsewhere' ? answer : undefined;
      });
      expect(fresh.xCache).toBe('MISS');
    });
  });
});

/**
 * Polls `probe` until it returns something truthy (pub/sub delivery is asynchronous), or fails after
 * 10 s (a deadline for a busy machine; a passing probe returns as soon as it holds).
 */
async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
