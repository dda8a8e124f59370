/** Controllers shared by the rate-limit HTTP specs. */
import { Controller, Get } from '@nestjs/common';
import { RateLimit } from '../../lib/nest/rate-limit/rate-limit.decorator.js';
import { SkipRateLimit } from '../../lib/nest/rate-limit/skip-rate-limit.decorator.js';

@Controller('limited')
export class LimitedController {
  @Get('one')
  @RateLimit({ limit: 2, window: 60 })
  one() {
    return { route: 'one' };
  }

  @Get('two')
  @RateLimit({ limit: 2, window: 60 })
  two() {
    return { route: 'two' };
  }

  @Get('multi')
  @RateLimit([
    { name: 'burst', limit: 2, window: 60 },
    { name: 'hourly', limit: 3, window: 3600 },
  ])
  multi() {
    return { route: 'multi' };
  }

  @Get('multi-hourly')
  @RateLimit([
    { name: 'burst', limit: 5, window: 60 },
    { name: 'hourly', limit: 1, window: 3600 },
  ])
  multiHourly() {
    return { route: 'multi-hourly' };
  }

  @Get('shared-a')
  @RateLimit({ limit: 2, window: 60, scope: 'shared' })
  sharedA() {
    return { route: 'shared-a' };
  }

  @Get('shared-b')
  @RateLimit({ limit: 2, window: 60, scope: 'shared' })
  sharedB() {
    return { route: 'shared-b' };
  }

  @Get('skip-all')
  @RateLimit({ limit: 1, window: 60 })
  @SkipRateLimit()
  skipAll() {
    return { route: 'skip-all' };
  }

  @Get('skip-burst')
  @RateLimit([
    { name: 'burst', limit: 1, window: 60 },
    { name: 'daily', limit: 3, window: '1d' },
  ])
  @SkipRateLimit('burst')
  skipBurst() {
    return { route: 'skip-burst' };
  }

  @Get('by-header')
  @RateLimit({
    limit: 1,
    window: 60,
    key: (ctx) =>
      ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers[
        'x-api-key'
      ],
  })
  byHeader() {
    return { route: 'by-header' };
  }

  @Get('free')
  free() {
    return { route: 'free' };
  }
}

/** A controller-level @RateLimit, refined by a handler. */
@Controller('ctl')
@RateLimit({ limit: 2, window: 60 })
export class ControllerLimitedController {
  @Get('inherits')
  inherits() {
    return { route: 'inherits' };
  }

  @Get('overrides')
  @RateLimit({ limit: 4, window: 60 })
  overrides() {
    return { route: 'overrides' };
  }
}
