import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  CACHE_FALLBACK_CHANNEL,
  CACHE_MISS_CHANNEL,
  CONNECTION_STATE_CHANNEL,
  RATE_LIMIT_UNAVAILABLE_CHANNEL,
  RateLimiterService,
  StoreConnectionError,
  StoreModule,
  StoreService,
  type CacheFallbackEvent,
  type CacheLookupEvent,
  type ConnectionStateEvent,
  type RateLimitPolicy,
  type RateLimitUnavailableEvent,
} from '../../lib/index.js';
import { startStandalone, type RedisServerHandle } from '../support/redis-servers.js';
import { ChannelProbe, eventually } from './channel-probe.js';

const KEY_PREFIX = 'outage:';

describe('telemetry while Redis goes away', () => {
  const probe = new ChannelProbe();
  let server: RedisServerHandle;
  let app: INestApplicationContext | undefined;
  let states: ConnectionStateEvent[];

  beforeAll(async () => {
    server = await startStandalone();
    // Subscribed before the store exists: its first connect is reported too.
    states = probe.listen<ConnectionStateEvent>(CONNECTION_STATE_CHANNEL);
    app = await NestFactory.createApplicationContext(
      StoreModule.forRoot({ redis: server.url, keyPrefix: KEY_PREFIX, commandTimeout: 300 }),
      { logger: false },
    );
  });

  afterAll(async () => {
    await app?.close();
    await server.stop();
    probe.close();
  });

  it('reports the connection as connected, then reconnecting once Redis is killed', async () => {
    await eventually(states, (e) => e.state === 'connected', 'connected');
    expect(states[0]).toEqual({
      keyPrefix: KEY_PREFIX,
      driver: 'redis',
      state: 'connected',
      previous: 'reconnecting',
    });
    await app!.get(StoreService).set('before', 1);
    await server.kill();
    expect(await eventually(states, (e) => e.state === 'reconnecting', 'reconnecting')).toEqual({
      keyPrefix: KEY_PREFIX,
      driver: 'redis',
      state: 'reconnecting',
      previous: 'connected',
    });
  });

  it('publishes a cache fallback (and the miss it turned into) when getOrSet cannot reach Redis', async () => {
    const fallbacks = probe.listen<CacheFallbackEvent>(CACHE_FALLBACK_CHANNEL);
    const misses = probe.listen<CacheLookupEvent>(CACHE_MISS_CHANNEL);
    expect(
      await app!
        .get(StoreService)
        .namespace('t1')
        .getOrSet('report', () => 'from the loader'),
    ).toBe('from the loader');
    expect(fallbacks).toEqual([
      {
        keyPrefix: KEY_PREFIX,
        namespace: 't1',
        key: 'report',
        redisKey: `${KEY_PREFIX}t1:report`,
        operation: 'getOrSet',
        error: expect.any(StoreConnectionError),
        fallbacks: 1,
      },
    ]);
    expect(misses).toEqual([
      expect.objectContaining({ key: 'report', namespace: 't1', status: 'miss' }),
    ]);
  });

  it('publishes rate-limit checks answered by the failure policy as unavailable', async () => {
    const unavailable = probe.listen<RateLimitUnavailableEvent>(RATE_LIMIT_UNAVAILABLE_CHANNEL);
    const limiter = app!.get(RateLimiterService);
    const policy: RateLimitPolicy = { name: 'api', limit: 5, window: 60, failure: 'closed' };
    const context = {
      keyPrefix: KEY_PREFIX,
      policy: 'api',
      algorithm: 'sliding-window',
      key: 'client-1',
      cost: 1,
    };
    const result = await limiter.consume('client-1', policy);
    expect(RateLimiterService.isUnavailable(result)).toBe(true);
    expect(unavailable).toEqual([
      {
        ...context,
        allowed: false,
        limit: 5,
        remaining: 0,
        resetAt: result.resetAt,
        retryAfter: 1,
        durationMs: expect.any(Number),
        failure: 'closed',
      },
    ]);
  });

  it('publishes checks counted in process (failure: memory) with failure memory', async () => {
    const unavailable = probe.listen<RateLimitUnavailableEvent>(RATE_LIMIT_UNAVAILABLE_CHANNEL);
    const limiter = app!.get(RateLimiterService);
    const policy: RateLimitPolicy = { name: 'mem', limit: 5, window: 60, failure: 'memory' };
    const result = await limiter.consume('client-2', policy);
    expect(RateLimiterService.isCountedInProcess(result)).toBe(true);
    expect(unavailable).toEqual([
      expect.objectContaining({ policy: 'mem', allowed: true, remaining: 4, failure: 'memory' }),
    ]);
  });

  it('reports circuit-open once failed reconnect attempts open the breaker', async () => {
    expect(
      await eventually(states, (e) => e.state === 'circuit-open', 'circuit-open'),
    ).toMatchObject({ keyPrefix: KEY_PREFIX, driver: 'redis', state: 'circuit-open' });
  });

  it('reports closed when the store closes', async () => {
    await app!.close();
    app = undefined;
    expect(states[states.length - 1]).toEqual({
      keyPrefix: KEY_PREFIX,
      driver: 'redis',
      state: 'closed',
      previous: 'circuit-open',
    });
  });
});

describe('connection telemetry on the memory driver', () => {
  const probe = new ChannelProbe();
  afterAll(() => probe.close());

  it('reports closed, from connected, when the store closes', async () => {
    const states = probe.listen<ConnectionStateEvent>(CONNECTION_STATE_CHANNEL);
    const app = await NestFactory.createApplicationContext(
      StoreModule.forRoot({ driver: 'memory', keyPrefix: 'mem:' }),
      { logger: false },
    );
    expect(states).toEqual([]);
    await app.close();
    expect(states).toEqual([
      { keyPrefix: 'mem:', driver: 'memory', state: 'closed', previous: 'connected' },
    ]);
  });
});
