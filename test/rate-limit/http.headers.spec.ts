import 'reflect-metadata';
import { Controller, Get } from '@nestjs/common';
import { RateLimit } from '../../lib/nest/rate-limit/rate-limit.decorator.js';
import type { RateLimitHeadersMode } from '../../lib/nest/rate-limit/rate-limit-options.interface.js';
import {
  PLATFORMS,
  read,
  startRateLimitApp,
  type Platform,
  type RateLimitApp,
} from './rate-limit-app.js';
import { clearOfWindowEdge } from '../support/timing.js';

// Requests are counted in epoch-aligned windows: no test may straddle a window boundary.
beforeEach(() => clearOfWindowEdge(10_000));

@Controller()
class HeadersController {
  @Get('single')
  @RateLimit({ limit: 2, window: 60, algorithm: 'fixed-window' })
  single() {
    return {};
  }

  @Get('pair')
  @RateLimit([
    { name: 'burst', limit: 2, window: 10, algorithm: 'fixed-window' },
    { name: 'hourly', limit: 100, window: '1h', algorithm: 'fixed-window' },
  ])
  pair() {
    return {};
  }
}

const MODES: RateLimitHeadersMode[] = ['legacy', 'ietf', 'both', false];
const CASES: Array<[Platform, RateLimitHeadersMode]> = PLATFORMS.flatMap((platform) =>
  MODES.map((mode): [Platform, RateLimitHeadersMode] => [platform, mode]),
);

describe.each(CASES)('rate-limit headers on %s, headers: %p', (platform, mode) => {
  let app: RateLimitApp;
  const legacy = mode === 'legacy' || mode === 'both';
  const ietf = mode === 'ietf' || mode === 'both';

  beforeAll(async () => {
    app = await startRateLimitApp({
      platform,
      controllers: [HeadersController],
      rateLimit: { headers: mode },
    });
  });
  afterAll(() => app.close());

  it('reports the policy on admitted calls', async () => {
    const { status, headers } = await read(await app.fetch('/single'));
    expect(status).toBe(200);
    if (legacy) {
      expect(headers['x-ratelimit-limit']).toBe('2');
      expect(headers['x-ratelimit-remaining']).toBe('1');
      expect(Number(headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    } else {
      expect(headers['x-ratelimit-limit']).toBeNull();
      expect(headers['x-ratelimit-remaining']).toBeNull();
      expect(headers['x-ratelimit-reset']).toBeNull();
    }
    if (ietf) {
      expect(headers['ratelimit-policy']).toBe('"default";q=2;w=60');
      expect(headers['ratelimit']).toMatch(/^"default";r=1;t=(\d+)$/);
      const t = Number(/t=(\d+)/.exec(headers['ratelimit']!)![1]);
      expect(t).toBeGreaterThan(0);
      expect(t).toBeLessThanOrEqual(60);
    } else {
      expect(headers['ratelimit-policy']).toBeNull();
      expect(headers['ratelimit']).toBeNull();
    }
    expect(headers['retry-after']).toBeNull();
  });

  it('adds Retry-After on a 429 (unless headers are off)', async () => {
    // Two calls of its own: the limit (2) is reached whether or not the previous test's call still
    // counts (a window boundary may pass between tests, never within one).
    for (let i = 0; i < 2; i++) await (await app.fetch('/single')).arrayBuffer();
    const { status, body, headers } = await read(await app.fetch('/single'));
    expect(status).toBe(429);
    expect(body).toMatchObject({ statusCode: 429, policy: 'default' });
    if (mode === false) expect(headers['retry-after']).toBeNull();
    else expect(Number(headers['retry-after'])).toBe((body as { retryAfter: number }).retryAfter);
    if (legacy) expect(headers['x-ratelimit-remaining']).toBe('0');
    if (ietf) expect(headers['ratelimit']).toMatch(/^"default";r=0;t=\d+$/);
  });

  it('lists one IETF item per policy; the legacy fields describe the most constrained policy', async () => {
    const { headers } = await read(await app.fetch('/pair'));
    if (ietf) {
      expect(headers['ratelimit-policy']).toBe('"burst";q=2;w=10, "hourly";q=100;w=3600');
      expect(headers['ratelimit']).toMatch(/^"burst";r=1;t=\d+, "hourly";r=99;t=\d+$/);
    }
    if (legacy) {
      expect(headers['x-ratelimit-limit']).toBe('2');
      expect(headers['x-ratelimit-remaining']).toBe('1');
      expect(Number(headers['x-ratelimit-reset'])).toBeLessThanOrEqual(10);
    }
  });
});
