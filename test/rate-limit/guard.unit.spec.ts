import 'reflect-metadata';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import {
  RateLimitGuard,
  RateLimiterService,
  StoreValidationError,
  type RateLimitPolicy,
  type RateLimitResult,
} from '../../lib/index.js';
import { RateLimit } from '../../lib/nest/rate-limit/rate-limit.decorator.js';
import {
  RateLimitExceededException,
  RateLimitUnavailableException,
} from '../../lib/nest/rate-limit/rate-limit-exception.js';
import {
  mostConstrained,
  rateLimitHeaders,
  type RateLimitOutcome,
} from '../../lib/nest/rate-limit/rate-limit-headers.js';
import { normalizeClientIp, rateLimitKey } from '../../lib/nest/rate-limit/rate-limit-key.js';
import { validateStoreRateLimitOptions } from '../../lib/nest/rate-limit/rate-limit-rule.validation.js';
import { SkipRateLimit } from '../../lib/nest/rate-limit/skip-rate-limit.decorator.js';

describe('normalizeClientIp', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:127.0.0.1', '127.0.0.1'],
    ['::ffff:cb00:7107', '203.0.113.7'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['2001:db8:1:2::1.2.3.4', '2001:db8:1:2::/64'],
    [' 198.51.100.1 ', '198.51.100.1'],
    ['not-an-ip', 'not-an-ip'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeClientIp(input)).toBe(expected);
  });

  it('puts two addresses of one /64 under one key, and a neighbouring /64 under another', () => {
    const key = (ip: string) => rateLimitKey('Ctl.handler', `ip:${normalizeClientIp(ip)}`);
    expect(key('2001:db8:aa:bb::1')).toBe(key('2001:db8:aa:bb:1234:5678:9abc:def0'));
    expect(key('2001:db8:aa:bb::1')).not.toBe(key('2001:db8:aa:bc::1'));
    expect(key('2001:db8:aa:bb::1')).toBe('Ctl.handler:ip:2001:db8:aa:bb::/64');
  });
});

describe('rateLimitHeaders', () => {
  const now = 1_000_000;
  const outcome = (
    name: string,
    limit: number,
    remaining: number,
    resetIn: number,
    retryAfter = 0,
    windowSeconds = 60,
  ): RateLimitOutcome => ({
    name,
    windowSeconds,
    result: {
      allowed: retryAfter === 0,
      limit,
      remaining,
      resetAt: now + resetIn * 1000,
      retryAfter,
    },
  });

  it('legacy: limit, remaining and seconds until reset; Retry-After only on a refusal', () => {
    expect(rateLimitHeaders('legacy', [outcome('default', 100, 42, 16.2)], now)).toEqual([
      ['X-RateLimit-Limit', '100'],
      ['X-RateLimit-Remaining', '42'],
      ['X-RateLimit-Reset', '17'],
    ]);
    expect(rateLimitHeaders('legacy', [outcome('default', 100, 0, 17, 17)], now)).toContainEqual([
      'Retry-After',
      '17',
    ]);
  });

  it('ietf: the draft fields as Structured Fields lists, one item per policy', () => {
    expect(
      rateLimitHeaders(
        'ietf',
        [outcome('default', 100, 42, 17), outcome('day', 1000, 900, 3600, 0, 86400)],
        now,
      ),
    ).toEqual([
      ['RateLimit-Policy', '"default";q=100;w=60, "day";q=1000;w=86400'],
      ['RateLimit', '"default";r=42;t=17, "day";r=900;t=3600'],
    ]);
  });

  it('escapes names as Structured Fields strings', () => {
    expect(rateLimitHeaders('ietf', [outcome('a"b\\c', 1, 1, 1)], now)[0][1]).toBe(
      '"a\\"b\\\\c";q=1;w=60',
    );
  });

  it('both, and false', () => {
    expect(
      rateLimitHeaders('both', [outcome('default', 1, 0, 5, 5)], now).map(([name]) => name),
    ).toEqual([
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
      'RateLimit-Policy',
      'RateLimit',
      'Retry-After',
    ]);
    expect(rateLimitHeaders(false, [outcome('default', 1, 0, 5, 5)], now)).toEqual([]);
  });

  it('the most constrained policy: the longest wait among refusals, else the fewest left', () => {
    expect(mostConstrained([outcome('a', 10, 5, 60), outcome('b', 100, 2, 3600)])?.name).toBe('b');
    expect(
      mostConstrained([
        outcome('a', 10, 0, 60, 60),
        outcome('b', 100, 0, 3600, 3600),
        outcome('c', 5, 1, 1),
      ])?.name,
    ).toBe('b');
  });
});

describe('exceptions', () => {
  it('429 and 503 bodies', () => {
    const tooMany = new RateLimitExceededException('burst', 12);
    expect(tooMany.getStatus()).toBe(429);
    expect(tooMany.getResponse()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Rate limit "burst" exceeded: retry in 12s',
      policy: 'burst',
      retryAfter: 12,
    });
    const unavailable = new RateLimitUnavailableException('burst', 1);
    expect(unavailable.getStatus()).toBe(503);
    expect(unavailable.getResponse()).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      policy: 'burst',
      retryAfter: 1,
    });
  });
});

describe('validation at decoration time', () => {
  it.each([
    [{ limit: 0, window: 60 }],
    [{ limit: 1.5, window: 60 }],
    [{ limit: 10, window: 0 }],
    [{ limit: 10, window: '1 minute' }],
    [{ limit: 10, window: 60, algorithm: 'leaky' }],
    [{ limit: 10, window: 60, name: '' }],
    [{ limit: 10, window: 60, failure: 'maybe' }],
    [{ limit: 10, window: 60, key: 'session' }],
    [
      [
        { limit: 10, window: 60 },
        { limit: 5, window: 1 },
      ],
    ],
    [[]],
  ])('@RateLimit(%p) throws', (policy) => {
    expect(() => RateLimit(policy as never)).toThrow(StoreValidationError);
  });

  it('accepts named policies and duration strings', () => {
    expect(() =>
      RateLimit([
        { name: 'a', limit: 1, window: '1s' },
        { name: 'b', limit: 10, window: '1h', algorithm: 'gcra', blockDuration: '5m' },
      ]),
    ).not.toThrow();
  });

  it('@SkipRateLimit rejects empty names', () => {
    expect(() => SkipRateLimit('')).toThrow(TypeError);
  });

  it('module options', () => {
    expect(() => validateStoreRateLimitOptions({ headers: 'draft' as never })).toThrow(
      StoreValidationError,
    );
    expect(() => validateStoreRateLimitOptions({ defaults: { limit: -1, window: 1 } })).toThrow(
      StoreValidationError,
    );
    expect(() =>
      validateStoreRateLimitOptions({
        defaults: [{ limit: 1, window: 1 }],
        headers: false,
        key: 'user',
        failure: 'closed',
      }),
    ).not.toThrow();
    expect(() => validateStoreRateLimitOptions({ maxBlockedKeys: 0 })).toThrow(
      StoreValidationError,
    );
    expect(() => validateStoreRateLimitOptions({ maxBlockedKeys: 500 })).not.toThrow();
  });

  it('@RateLimit checks a policy with the validator RateLimiterService uses', () => {
    expect(() => RateLimit({ limit: 1_001, window: 60, algorithm: 'sliding-log' })).toThrow(
      /Invalid @RateLimit limit 1001: expected at most 1000 for 'sliding-log'/,
    );
    expect(() => RateLimit({ limit: 1e9, window: '365d' })).toThrow(StoreValidationError);
  });
});

describe('RateLimitGuard, built by hand (as a subclass would be)', () => {
  class Routes {
    @RateLimit([{ name: 'burst', limit: 5, window: '10s' }])
    handler() {}
  }

  /** A guard whose limiter admits everything and records the policies it is given. */
  function recordingGuard(): { guard: RateLimitGuard; policies: RateLimitPolicy[] } {
    const policies: RateLimitPolicy[] = [];
    const result: RateLimitResult = {
      allowed: true,
      limit: 5,
      remaining: 4,
      resetAt: Date.now() + 1_000,
      retryAfter: 0,
    };
    const limiter = {
      consume: async (_key: string, policy: RateLimitPolicy) => (policies.push(policy), result),
    } as unknown as RateLimiterService;
    const guard = new RateLimitGuard(limiter, new Reflector(), {
      defaults: { limit: 100, window: '1m' },
      failure: 'closed',
    });
    return { guard, policies };
  }

  const call = () =>
    new ExecutionContextHost(
      [{ ip: '203.0.113.7' }, { setHeader: () => undefined }],
      Routes,
      Routes.prototype.handler,
    );

  it('hands the limiter one frozen policy object per rule, the same on every call, so it is validated once', async () => {
    const { guard, policies } = recordingGuard();
    for (let i = 0; i < 3; i++) expect(await guard.canActivate(call())).toBe(true);
    expect(policies).toHaveLength(6);
    const [defaults, burst] = [
      policies.filter((p) => p.name === 'default'),
      policies.filter((p) => p.name === 'burst'),
    ];
    expect(new Set(defaults).size).toBe(1);
    expect(new Set(burst).size).toBe(1);
    expect(Object.isFrozen(burst[0])).toBe(true);
    expect(burst[0]).toEqual({ name: 'burst', limit: 5, window: '10s', failure: 'closed' });
    expect(defaults[0]).toEqual({ name: 'default', limit: 100, window: '1m', failure: 'closed' });
  });
});
