/**
 * `StoreHealthIndicator` with `@nestjs/terminus` over HTTP (Express and Fastify): `/health` lists
 * every connection the store holds with its latency (command, each Cluster master, subscriber,
 * stream readers) and each breaker's state, answers 200 while all answer and 503, within
 * `commandTimeout`, once Redis is gone. A named store has its own indicator.
 */
import 'reflect-metadata';
import { Controller, Get, Inject, Module, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import type { Subscription } from 'rxjs';
import {
  StoreHealthIndicator,
  StoreModule,
  StoreService,
  type ConnectionProbe,
  type StoreModuleOptions,
} from '../../lib/index.js';
import { clusterNodes } from '../support/harness-info.js';
import { listenHttp, PLATFORMS, type Platform } from '../support/http-app.js';
import { testKeyPrefix } from '../support/key-prefix.js';
import { startStandalone, type RedisServerHandle } from '../support/redis-servers.js';
import { waitFor } from '../support/timing.js';

const COMMAND_TIMEOUT_MS = 1_000;

const SessionsHealth = StoreHealthIndicator.forStore('sessions');

@Controller('health')
class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(StoreHealthIndicator) private readonly store: StoreHealthIndicator,
    @Inject(SessionsHealth) private readonly sessions: StoreHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.store.isHealthy('store'),
      () => this.sessions.isHealthy('sessions'),
    ]);
  }
}

interface HealthBody {
  status: string;
  details: Record<string, { status: string; state: string; connections: ConnectionProbe[] }>;
}

async function startHealthApp(
  platform: Platform,
  store: StoreModuleOptions,
): Promise<{ app: INestApplication; url: string }> {
  @Module({
    imports: [
      TerminusModule,
      StoreModule.forRoot({ commandTimeout: COMMAND_TIMEOUT_MS, ...store }),
      StoreModule.forRoot({ name: 'sessions', driver: 'memory' }),
      StoreModule.forFeature({ store: 'sessions' }),
    ],
    controllers: [HealthController],
  })
  class AppModule {}
  return listenHttp(AppModule, platform);
}

async function health(url: string): Promise<{ status: number; body: HealthBody; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/health`);
  const body = (await response.json()) as HealthBody;
  return { status: response.status, body, ms: performance.now() - started };
}

describe.each(PLATFORMS)('StoreHealthIndicator with @nestjs/terminus (%s)', (platform) => {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startStandalone();
  });
  afterAll(() => server.stop());

  it('reports every connection with its latency, then 503 within commandTimeout once Redis is gone', async () => {
    const { app, url } = await startHealthApp(platform, {
      redis: server.url,
      keyPrefix: testKeyPrefix('health'),
    });
    const subscriptions: Subscription[] = [];
    try {
      const store = app.get(StoreService);
      await store.subscribe('news', () => undefined);
      subscriptions.push(
        store.stream('jobs', { group: 'workers', consumer: 'c1' }).subscribe({ error: () => {} }),
      );
      await waitFor(
        async () =>
          (await health(url)).body.details.store.connections.some((c) =>
            c.connection.startsWith('stream readers'),
          ),
        10_000,
        'the stream reader to show',
      );
      const up = await health(url);
      expect(up.status).toBe(200);
      expect(up.body.status).toBe('ok');
      const { store: report, sessions } = up.body.details;
      expect(report.status).toBe('up');
      expect(report.state).toBe('connected');
      const byName = new Map(report.connections.map((c) => [c.connection, c]));
      expect(byName.get('command')).toMatchObject({ ok: true, breaker: 'closed' });
      expect(byName.get('command')!.latencyMs).toEqual(expect.any(Number));
      expect(byName.get('subscriber')).toMatchObject({ ok: true });
      expect(byName.get('stream readers (1)')).toMatchObject({ ok: true });
      expect(sessions).toMatchObject({ status: 'up', connections: [{ connection: 'memory' }] });

      await server.kill();
      try {
        const down = await health(url);
        expect(down.status).toBe(503);
        expect(down.body.details.store.status).toBe('down');
        expect(down.body.details.sessions.status).toBe('up');
        expect(
          down.body.details.store.connections.find((c) => c.connection === 'command'),
        ).toMatchObject({ ok: false });
        // Bounded like any call: commandTimeout, plus scheduling slack on a busy machine.
        expect(down.ms).toBeLessThan(COMMAND_TIMEOUT_MS + 1_000);
      } finally {
        await server.restart();
      }
      await waitFor(
        async () => (await health(url)).status === 200,
        15_000,
        'health to be ok again',
      );
    } finally {
      subscriptions.forEach((subscription) => subscription.unsubscribe());
      await app.close();
    }
  });

  it('lists each master of a Cluster', async () => {
    const { app, url } = await startHealthApp(platform, {
      redis: { cluster: { nodes: clusterNodes() } },
      keyPrefix: testKeyPrefix('health'),
    });
    try {
      const { status, body } = await health(url);
      expect(status).toBe(200);
      const masters = body.details.store.connections.filter((c) =>
        /^command 127\.0\.0\.1:\d+$/.test(c.connection),
      );
      expect(masters).toHaveLength(clusterNodes().length);
      for (const master of masters) expect(master.ok).toBe(true);
    } finally {
      await app.close();
    }
  });
});
