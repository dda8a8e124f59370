/** `metrics: { prometheus }`: the store's metrics in a prom-client registry, by their names and labels. */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Registry } from 'prom-client';
import {
  RateLimiterService,
  StoreConfigurationError,
  StoreModule,
  StoreService,
  getStoreToken,
} from '../../lib/index.js';
import { StoreFixtures } from '../contract/store-fixture.js';
import { DRIVERS } from './channel-probe.js';
import { testKeyPrefix } from '../support/key-prefix.js';

describe.each(DRIVERS)('Prometheus metrics (%s)', (_driver, connection) => {
  const fixtures = new StoreFixtures(connection);
  afterAll(() => fixtures.closeAll());

  it('exposes cache, L1, rate-limit and pub/sub counters, histograms and gauges', async () => {
    const registry = new Registry();
    const { store, app } = await fixtures.open({
      l1: true,
      metrics: { prometheus: { registry } },
    });
    await store.getOrSet('a', () => 1, { ttl: 60 }); // miss
    await store.getOrSet('a', () => 1, { ttl: 60 }); // L1 hit
    await store.namespace('n').getOrSet('a', () => 1, { ttl: 60 }); // miss
    const limiter = app.get(RateLimiterService);
    const policy = { name: 'login', limit: 1, window: '1m' } as const;
    await limiter.consume('ip', policy);
    await limiter.consume('ip', policy);

    const text = await registry.metrics();
    expect(text).toContain('nestjs_store_cache_requests_total{store="default",result="miss"} 2');
    expect(text).toContain('nestjs_store_l1_hits_total{store="default"} 1');
    expect(text).toContain('# TYPE nestjs_store_cache_fallbacks_total counter');
    expect(text).toContain(
      'nestjs_store_rate_limit_checks_total{store="default",policy="login",outcome="allowed"} 1',
    );
    expect(text).toContain(
      'nestjs_store_rate_limit_checks_total{store="default",policy="login",outcome="refused"} 1',
    );
    expect(text).toContain('# TYPE nestjs_store_cache_load_duration_seconds histogram');
    expect(text).toContain('nestjs_store_cache_load_duration_seconds_count{store="default"} 2');
    expect(text).toContain(
      'nestjs_store_rate_limit_check_duration_seconds_count{store="default",policy="login"} 2',
    );
    expect(text).toContain('nestjs_store_connection_up{store="default"} 1');
    expect(text).toContain('nestjs_store_circuit_open{store="default"} 0');
    expect(text).toMatch(/nestjs_store_l1_entries\{store="default"\} [1-9]/);
    expect(text).toContain('# TYPE nestjs_store_pubsub_messages_total counter');
    expect(text).toContain('# TYPE nestjs_store_stream_messages_total counter');
    // Bounded labels: never a key.
    expect(text).not.toMatch(/key=|"a"/);
    // stats() reads the same collector.
    expect(store.stats().cache.misses).toBe(2);
  });

  it('labels named stores apart and reuses the metrics of a second app in one registry', async () => {
    const registry = new Registry();
    const options = { ...connection(), metrics: { prometheus: { registry, prefix: 'app_' } } };
    const first = await NestFactory.createApplicationContext(
      StoreModule.forRoot({ ...options, name: 'sessions', keyPrefix: testKeyPrefix('prom-a') }),
      { logger: false },
    );
    const second = await NestFactory.createApplicationContext(
      StoreModule.forRoot({ ...options, keyPrefix: testKeyPrefix('prom-b') }),
      { logger: false },
    );
    try {
      await first.get<StoreService>(getStoreToken('sessions')).getOrSet('x', () => 1);
      await second.get(StoreService).getOrSet('x', () => 1);
      const text = await registry.metrics();
      expect(text).toContain('app_cache_requests_total{store="sessions",result="miss"} 1');
      expect(text).toContain('app_cache_requests_total{store="default",result="miss"} 1');
      expect(text).toContain('app_connection_up{store="sessions"} 1');
    } finally {
      await first.close();
      await second.close();
    }
    // A closed store's gauges stop reporting.
    expect(await registry.metrics()).not.toContain('app_connection_up{store=');
  });
});

describe('metrics option validation', () => {
  const boot = (metrics: unknown) =>
    NestFactory.createApplicationContext(
      StoreModule.forRoot({ driver: 'memory', metrics: metrics as never }),
      { logger: false, abortOnError: false },
    );

  it.each([
    ['a string', 'yes', /options\.metrics must be/],
    ['an unknown key', { prometeus: true }, /options\.metrics\.prometeus is not an option/],
    ['a bad prometheus value', { prometheus: 1 }, /options\.metrics\.prometheus must be true/],
    ['a bad prefix', { prometheus: { prefix: '9x-' } }, /prefix "9x-" must be letters/],
    ['a non-registry', { prometheus: { registry: {} } }, /must be a prom-client Registry/],
  ])('refuses %s with a StoreConfigurationError', async (_what, metrics, message) => {
    const booted = boot(metrics);
    await expect(booted).rejects.toBeInstanceOf(StoreConfigurationError);
    await expect(booted).rejects.toThrow(message);
  });
});
