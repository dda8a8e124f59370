import 'reflect-metadata';
import { Controller, Get } from '@nestjs/common';
import { RateLimit } from '../../lib/nest/rate-limit/rate-limit.decorator.js';
import { SkipRateLimit } from '../../lib/nest/rate-limit/skip-rate-limit.decorator.js';
import {
  PLATFORMS,
  read,
  startRateLimitApp,
  statuses,
  type RateLimitApp,
} from './rate-limit-app.js';
import { clearOfWindowEdge } from '../support/timing.js';

// Requests are counted in epoch-aligned windows: no test may straddle a window boundary.
beforeEach(() => clearOfWindowEdge());

@Controller('g')
class GlobalController {
  @Get('plain')
  plain() {
    return {};
  }

  @Get('plain-2')
  plain2() {
    return {};
  }

  @Get('override')
  @RateLimit({ limit: 4, window: 60 })
  override() {
    return {};
  }

  @Get('added')
  @RateLimit({ name: 'strict', limit: 1, window: 60 })
  added() {
    return {};
  }

  @Get('skip')
  @SkipRateLimit()
  skip() {
    return {};
  }

  @Get('skip-default')
  @RateLimit({ name: 'strict', limit: 1, window: 60 })
  @SkipRateLimit('default')
  skipDefault() {
    return {};
  }
}

@Controller('skipped')
@SkipRateLimit()
class SkippedController {
  @Get()
  index() {
    return {};
  }
}

@Controller('site')
class SiteController {
  @Get('a')
  a() {
    return {};
  }

  @Get('b')
  b() {
    return {};
  }
}

describe.each(PLATFORMS)('RateLimitGuard as APP_GUARD with module defaults (%s)', (platform) => {
  let app: RateLimitApp;

  beforeAll(async () => {
    app = await startRateLimitApp({
      platform,
      global: true,
      controllers: [GlobalController, SkippedController],
      rateLimit: { defaults: { limit: 2, window: 60 } },
    });
  });
  afterAll(() => app.close());

  it('applies the defaults to every route, each route on its own', async () => {
    expect(await statuses(app, '/g/plain', 3)).toEqual([200, 200, 429]);
    expect(await statuses(app, '/g/plain-2', 3)).toEqual([200, 200, 429]);
  });

  it('a @RateLimit of the same name replaces the default, counted once although two guards run', async () => {
    expect(await statuses(app, '/g/override', 5)).toEqual([200, 200, 200, 200, 429]);
  });

  it('a @RateLimit of another name adds to the default', async () => {
    expect(await statuses(app, '/g/added', 1)).toEqual([200]);
    const refused = await read(await app.fetch('/g/added'));
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ policy: 'strict' });
  });

  it('@SkipRateLimit() exempts a handler or a controller from the defaults', async () => {
    expect(await statuses(app, '/g/skip', 5)).toEqual([200, 200, 200, 200, 200]);
    expect(await statuses(app, '/skipped', 5)).toEqual([200, 200, 200, 200, 200]);
  });

  it("@SkipRateLimit('default') skips the default only (throttler #1729)", async () => {
    expect(await statuses(app, '/g/skip-default', 1)).toEqual([200]);
    expect((await read(await app.fetch('/g/skip-default'))).body).toMatchObject({
      statusCode: 429,
      policy: 'strict',
    });
  });
});

describe.each(PLATFORMS)('module defaults with a scope (%s)', (platform) => {
  let app: RateLimitApp;

  beforeAll(async () => {
    app = await startRateLimitApp({
      platform,
      global: true,
      controllers: [SiteController],
      rateLimit: { defaults: { name: 'site', limit: 3, window: 60, scope: 'site' } },
    });
  });
  afterAll(() => app.close());

  it('one counter across routes', async () => {
    expect(await statuses(app, '/site/a', 2)).toEqual([200, 200]);
    expect(await statuses(app, '/site/b', 2)).toEqual([200, 429]);
    expect((await read(await app.fetch('/site/a'))).body).toMatchObject({ policy: 'site' });
  });
});

describe('RateLimitGuard without APP_GUARD', () => {
  let app: RateLimitApp;

  beforeAll(async () => {
    app = await startRateLimitApp({
      platform: 'express',
      controllers: [GlobalController],
      rateLimit: { defaults: { limit: 2, window: 60 } },
    });
  });
  afterAll(() => app.close());

  it('leaves routes without @RateLimit alone', async () => {
    expect(await statuses(app, '/g/plain', 4)).toEqual([200, 200, 200, 200]);
  });

  it('applies the defaults (merged by name) on @RateLimit routes', async () => {
    expect(await statuses(app, '/g/override', 5)).toEqual([200, 200, 200, 200, 429]);
  });
});
