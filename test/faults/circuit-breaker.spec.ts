/**
 * The circuit breaker around each connection: after `threshold` connection failures in a row it
 * opens (`connectionState$` says `circuit-open`), calls fail at once even while a reconnect attempt
 * is under way (behind a black hole such an attempt lasts `commandTimeout`), and a successful
 * reconnect closes it. An outage writes a handful of log lines, not one per attempt.
 */
import 'reflect-metadata';
import { ConsoleLogger, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  StoreConnectionError,
  StoreModule,
  StoreService,
  type StoreConnectionState,
  type StoreModuleOptions,
} from '../../lib/index.js';
import { BlackHole } from '../support/black-hole.js';
import { testKeyPrefix } from '../support/key-prefix.js';
import { startStandalone } from '../support/redis-servers.js';
import { waitFor } from '../support/timing.js';

const COMMAND_TIMEOUT_MS = 1_000;

/** Keeps what the store logs, by level. */
class RecordingLogger extends ConsoleLogger {
  readonly lines: Array<{ level: string; message: string }> = [];

  override log(message: unknown): void {
    this.lines.push({ level: 'log', message: String(message) });
  }
  override warn(message: unknown): void {
    this.lines.push({ level: 'warn', message: String(message) });
  }
  override error(message: unknown): void {
    this.lines.push({ level: 'error', message: String(message) });
  }
  override debug(): void {}
  override verbose(): void {}
}

async function open(
  options: StoreModuleOptions,
  logger: RecordingLogger | false = false,
): Promise<{ app: INestApplicationContext; store: StoreService; states: StoreConnectionState[] }> {
  const app = await NestFactory.createApplicationContext(
    StoreModule.forRoot({
      keyPrefix: testKeyPrefix('breaker'),
      commandTimeout: COMMAND_TIMEOUT_MS,
      ...options,
    }),
    { logger },
  );
  const store = app.get(StoreService);
  const states: StoreConnectionState[] = [];
  store.connectionState$.subscribe((state) => states.push(state));
  return { app, store, states };
}

/** How long a call took to fail, and with what. */
async function failure(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await call().then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - started };
}

describe('circuit breaker', () => {
  it('opens behind a black hole, fails calls at once during reconnect attempts, closes when Redis answers again', async () => {
    const server = await startStandalone();
    const hole = await BlackHole.start(server.port);
    const { app, store, states } = await open({
      redis: hole.url,
      circuitBreaker: { threshold: 2 },
    });
    try {
      await store.set('k', 1);
      hole.swallow();
      // A silent connection is found out by the commands waiting on it: keep some going.
      await waitFor(
        async () => {
          await store.get('k').catch(() => undefined);
          return states.includes('circuit-open');
        },
        15_000,
        'the breaker to open',
      );
      // Open (or half-open, probing): no call waits for the attempt, which lasts commandTimeout.
      const results = [];
      for (let i = 0; i < 20; i++) results.push(await failure(() => store.get('k')));
      for (const { error } of results) expect(error).toBeInstanceOf(StoreConnectionError);
      const slowest = Math.max(...results.map(({ ms }) => ms));
      expect(slowest).toBeLessThan(COMMAND_TIMEOUT_MS / 4);

      hole.heal();
      await waitFor(
        () =>
          store.get('k').then(
            (value) => value === 1,
            () => false,
          ),
        15_000,
        'reads to succeed again',
      );
      expect(states[states.length - 1]).toBe('connected');
    } finally {
      await app.close();
      await hole.close();
      await server.stop();
    }
  });

  it('never reports circuit-open with circuitBreaker: false', async () => {
    const server = await startStandalone();
    const { app, store, states } = await open({ redis: server.url, circuitBreaker: false });
    let attempts = 0;
    store.client.on('reconnecting', () => (attempts += 1));
    try {
      await store.set('k', 1);
      await server.kill();
      await waitFor(() => attempts >= 4, 15_000, 'four failed reconnect attempts');
      expect(states).not.toContain('circuit-open');
      await expect(store.get('k')).rejects.toBeInstanceOf(StoreConnectionError);
    } finally {
      await server.restart();
      await app.close();
      await server.stop();
    }
  });

  it('logs an outage in a handful of lines: lost, breaker open, back (with its length)', async () => {
    const server = await startStandalone();
    const logger = new RecordingLogger();
    const { app, store, states } = await open({ redis: server.url }, logger);
    let attempts = 0;
    store.client.on('reconnecting', () => (attempts += 1));
    try {
      await store.subscribe('news', () => undefined);
      await store.set('k', 1);
      const before = logger.lines.length;
      await server.kill();
      await waitFor(() => attempts >= 8, 30_000, 'eight failed reconnect attempts');
      await server.restart();
      await waitFor(
        () => states[states.length - 1] === 'connected',
        15_000,
        'both connections to be back',
      );
      const outage = logger.lines.slice(before).filter(({ level }) => level !== 'log');
      const back = logger.lines.slice(before).filter(({ message }) => /back after/.test(message));
      // Two connections (command, subscriber): each says lost, breaker open, back; no line per attempt.
      expect(outage.length).toBeLessThanOrEqual(6);
      expect(outage.some(({ message }) => /circuit breaker open/.test(message))).toBe(true);
      expect(back.map(({ message }) => message)).toEqual(
        expect.arrayContaining([expect.stringMatching(/command connection back after \d+\.\d s/)]),
      );
    } finally {
      await app.close();
      await server.stop();
    }
  });
});
