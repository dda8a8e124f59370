import 'reflect-metadata';
import { request } from 'node:http';
import { Controller, Get } from '@nestjs/common';
import { RateLimit } from '../../lib/nest/rate-limit/rate-limit.decorator.js';
import { PLATFORMS, startRateLimitApp, type RateLimitApp } from './rate-limit-app.js';
import { clearOfWindowEdge } from '../support/timing.js';

// Requests are counted in epoch-aligned windows: no test may straddle a window boundary.
beforeEach(() => clearOfWindowEdge());

@Controller()
class IpController {
  @Get('ip')
  @RateLimit({ limit: 1, window: 60 })
  ip() {
    return {};
  }
}

const withXff = (xff: string): RequestInit => ({ headers: { 'x-forwarded-for': xff } });

/** GET from a chosen loopback source address (Linux routes all of 127/8 to lo). */
function getFrom(app: RateLimitApp, path: string, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(app.url + path, { localAddress }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(PLATFORMS)('client IP and trust proxy on %s', (platform) => {
  describe('without trust proxy', () => {
    let app: RateLimitApp;
    beforeAll(async () => {
      app = await startRateLimitApp({ platform, controllers: [IpController] });
    });
    afterAll(() => app.close());

    it('ignores a forged X-Forwarded-For: two requests with different XFF share the limit', async () => {
      expect((await app.fetch('/ip', withXff('203.0.113.1'))).status).toBe(200);
      const second = await app.fetch('/ip', withXff('203.0.113.2'));
      expect(second.status).toBe(429);
    });

    it('counts different client addresses separately', async () => {
      expect(await getFrom(app, '/ip', '127.0.0.2')).toBe(200);
      expect(await getFrom(app, '/ip', '127.0.0.2')).toBe(429);
      expect(await getFrom(app, '/ip', '127.0.0.3')).toBe(200);
    });
  });

  describe('with trust proxy', () => {
    let app: RateLimitApp;
    beforeAll(async () => {
      app = await startRateLimitApp({ platform, controllers: [IpController], trustProxy: true });
    });
    afterAll(() => app.close());

    it('counts each X-Forwarded-For client separately', async () => {
      expect((await app.fetch('/ip', withXff('203.0.113.1'))).status).toBe(200);
      expect((await app.fetch('/ip', withXff('203.0.113.2'))).status).toBe(200);
      expect((await app.fetch('/ip', withXff('203.0.113.1'))).status).toBe(429);
    });

    it('groups IPv6 clients by /64', async () => {
      expect((await app.fetch('/ip', withXff('2001:db8:1:2::1'))).status).toBe(200);
      expect((await app.fetch('/ip', withXff('2001:db8:1:2:ffff::9'))).status).toBe(429);
      expect((await app.fetch('/ip', withXff('2001:db8:1:3::1'))).status).toBe(200);
    });
  });
});
