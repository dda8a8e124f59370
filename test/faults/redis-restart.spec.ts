import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StoreConnectionError, StoreModule, StoreService } from '../../lib/index.js';
import { startStandalone, type RedisServerHandle } from '../support/redis-servers.js';
import { waitFor } from '../contract/store-fixture.js';

const COMMAND_TIMEOUT_MS = 500;

/** How long a failing command took, and what it failed with. */
async function timedFailure(
  command: () => Promise<unknown>,
): Promise<{ error: unknown; elapsedMs: number }> {
  const started = Date.now();
  const error = await command().then(
    () => new Error('expected the command to fail'),
    (e: unknown) => e,
  );
  return { error, elapsedMs: Date.now() - started };
}

describe('Redis restarted while the app runs', () => {
  let server: RedisServerHandle;
  let app: INestApplicationContext;
  let store: StoreService;

  beforeAll(async () => {
    server = await startStandalone();
    app = await NestFactory.createApplicationContext(
      StoreModule.forRoot({ redis: server.url, commandTimeout: COMMAND_TIMEOUT_MS }),
      { logger: false },
    );
    store = app.get(StoreService);
  });

  afterAll(async () => {
    await app.close();
    await server.stop();
  });

  it('fails commands with StoreConnectionError within a bounded time while Redis is frozen (no reply, no disconnect)', async () => {
    await store.set('frozen', 1);
    process.kill(server.pid, 'SIGSTOP');
    try {
      const { error, elapsedMs } = await timedFailure(() => store.get('frozen'));
      expect(error).toBeInstanceOf(StoreConnectionError);
      expect(elapsedMs).toBeLessThan(COMMAND_TIMEOUT_MS + 4_000);
      expect(await store.getOrSet('frozen-cached', () => 'from-loader')).toBe('from-loader');
    } finally {
      process.kill(server.pid, 'SIGCONT');
    }
    await waitFor(
      () =>
        store.get('frozen').then(
          (value) => value === 1,
          () => false,
        ),
      15_000,
      'reads to succeed again',
    );
  });

  it('fails commands with StoreConnectionError within a bounded time while Redis is down, then recovers by itself', async () => {
    const received: string[] = [];
    await store.subscribe<string>('alerts', (message) => {
      received.push(message);
    });
    await store.set('before', 'outage');
    let pubsubState = '';
    const states = store.connectionState$.subscribe((state) => (pubsubState = state));
    let reconnectAttempts = 0;
    const countAttempt = () => (reconnectAttempts += 1);
    store.client.on('reconnecting', countAttempt);
    await server.kill();

    for (const command of [
      () => store.get('before'),
      () => store.set('during', 1),
      () => store.increment('n'),
      () => store.publish('alerts', 'x'),
    ]) {
      const { error, elapsedMs } = await timedFailure(command);
      expect(error).toBeInstanceOf(StoreConnectionError);
      // Bounded failure is behaviour, not performance: without it a command would wait for Redis forever.
      expect(elapsedMs).toBeLessThan(COMMAND_TIMEOUT_MS + 4_000);
    }

    // A cache path keeps answering from the loader instead of failing.
    expect(await store.getOrSet('cached', () => 'from-loader', { tags: ['t'] })).toBe(
      'from-loader',
    );

    // Redis comes back only once the outage has been noticed everywhere: pub/sub is reconnecting
    // (so resuming the subscription below is a real re-subscribe) and the command client has failed
    // to reconnect at least once (so it recovers from its retry loop, not from a first attempt).
    try {
      await waitFor(
        () =>
          (pubsubState === 'reconnecting' || pubsubState === 'circuit-open') &&
          reconnectAttempts >= 2,
        15_000,
        'the clients to notice the outage',
      );
    } finally {
      states.unsubscribe();
      store.client.off('reconnecting', countAttempt);
    }
    await server.restart();
    await waitFor(
      () =>
        store.set('after', 'restart').then(
          () => true,
          () => false,
        ),
      15_000,
      'writes to succeed again',
    );
    expect(await store.get('after')).toBe('restart');

    // ioredis re-subscribes after the reconnect: messages published afterwards reach the same handler.
    // Published again on every poll until one arrives (one published before the re-subscription is lost).
    await waitFor(
      async () => {
        if (received.includes('back')) return true;
        await store.publish('alerts', 'back').catch(() => undefined);
        return false;
      },
      15_000,
      'the subscription to resume',
    );
  });
});
