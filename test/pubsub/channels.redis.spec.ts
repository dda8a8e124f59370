import 'reflect-metadata';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import {
  StoreCommandError,
  StoreModule,
  StoreService,
  type StoreConnectionState,
  type StoreModuleOptions,
} from '../../lib/index.js';
import { StoreFixtures, sleep, waitFor } from '../contract/store-fixture.js';
import { clusterNodes, harnessInfo } from '../support/harness-info.js';
import {
  HOST,
  redisCommand,
  startStandalone,
  type RedisServerHandle,
} from '../support/redis-servers.js';
import { record, untilLive, withoutProbes } from './observe.js';

/** What a real foreign client does: `redis-cli -p PORT PUBLISH channel message`. */
function redisCliPublish(port: number, channel: string, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'redis-cli',
      ['-h', HOST, '-p', String(port), 'PUBLISH', channel, message],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(output.trim()) : reject(new Error(`redis-cli exited with ${code}`)),
    );
  });
}

const numsub = async (port: number, channel: string): Promise<number> => {
  const reply = (await redisCommand(port, ['PUBSUB', 'NUMSUB', channel])) as [string, number];
  return Number(reply[1]);
};

/** A private redis-server for the enclosing describe block (started before its tests, stopped after). */
function privateServer(
  setup?: (server: RedisServerHandle) => Promise<unknown>,
): () => RedisServerHandle {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startStandalone();
    await setup?.(server);
  });
  afterAll(() => server.stop());
  return () => server;
}

/** Boots a store app with `options`, runs `test` on its StoreService, and closes the app. */
async function withStore(
  options: StoreModuleOptions,
  test: (store: StoreService) => Promise<void>,
): Promise<void> {
  const app = await NestFactory.createApplicationContext(StoreModule.forRoot(options), {
    logger: false,
  });
  try {
    await test(app.get(StoreService));
  } finally {
    await app.close();
  }
}

const standalonePort = () => Number(new URL(harnessInfo().standaloneUrl).port);

describe('channel() on Redis standalone: foreign publishers and reference counting', () => {
  const fixtures = new StoreFixtures(() => ({ redis: harnessInfo().standaloneUrl }));
  afterAll(() => fixtures.closeAll());

  it('delivers what redis-cli PUBLISHes (a foreign publisher), and skips what it cannot read', async () => {
    const { store, prefix } = await fixtures.open();
    const observer = record(store.channel<{ price: number }>('ticker'));
    await untilLive(store, 'ticker', () => observer.values.length > 0);
    expect(await redisCliPublish(standalonePort(), `${prefix}ticker`, '{"price":42}')).toBe('1');
    expect(await redisCliPublish(standalonePort(), `${prefix}ticker`, 'plain text, not JSON')).toBe(
      '1',
    );
    expect(await redisCliPublish(standalonePort(), `${prefix}ticker`, '{"price":43}')).toBe('1');
    await waitFor(() => withoutProbes(observer.values).length === 2, 5_000, 'both JSON messages');
    expect(withoutProbes(observer.values)).toEqual([{ price: 42 }, { price: 43 }]);
    expect(store.skippedMessages('ticker')).toBe(1);
    expect(observer.errors).toEqual([]);
    observer.subscription.unsubscribe();
  });

  it('PUBSUB NUMSUB is 0 before, 1 with any number of observers (across channel() calls), 0 after the linger', async () => {
    const { store, prefix } = await fixtures.open({ pubsub: { lingerMs: 100 } });
    const channel = `${prefix}counted`;
    expect(await numsub(standalonePort(), channel)).toBe(0);
    const observers = Array.from({ length: 10 }, (_, i) =>
      record(
        i % 2 === 0 ? store.channel('counted') : store.namespace('other').channel('elsewhere'),
      ),
    );
    const counted = observers.filter((_, i) => i % 2 === 0);
    await untilLive(store, 'counted', () => counted.every((o) => o.values.length > 0));
    expect(await numsub(standalonePort(), channel)).toBe(1);
    expect(await numsub(standalonePort(), `${prefix}other:elsewhere`)).toBe(1);

    // Leaving and coming back within the linger sends no UNSUBSCRIBE/SUBSCRIBE pair.
    for (const observer of counted) observer.subscription.unsubscribe();
    const returning = record(store.channel('counted'));
    await sleep(200);
    expect(await numsub(standalonePort(), channel)).toBe(1);
    returning.subscription.unsubscribe();
    for (const observer of observers) observer.subscription.unsubscribe();
    await waitFor(
      async () => (await numsub(standalonePort(), channel)) === 0,
      5_000,
      'UNSUBSCRIBE after the linger',
    );
    expect(await numsub(standalonePort(), `${prefix}other:elsewhere`)).toBe(0);
  });
});

describe('channel() across a Redis restart', () => {
  const serverOf = privateServer();

  it('keeps the same Observables receiving after Redis comes back; connectionState$ shows the gap', async () => {
    const server = serverOf();
    await withStore({ redis: server.url, commandTimeout: 500 }, async (store) => {
      const states: StoreConnectionState[] = [];
      const stateObserver = record(store.connectionState$, (state) => states.push(state));
      await waitFor(() => states.at(-1) === 'connected', 5_000, 'connected at start');
      const statesBefore = states.length;
      const news = record(store.channel<string>('news'));
      const orders = record(store.pattern<string>('orders.*'));
      await untilLive(store, 'news', () => news.values.length > 0);
      await untilLive(store, 'orders.probe', () => orders.values.length > 0);
      await store.publish('news', 'before');
      await waitFor(
        () => withoutProbes(news.values).includes('before'),
        5_000,
        'the message before the restart',
      );

      const warnings = jest.spyOn(Logger.prototype, 'warn');
      await server.kill();
      await waitFor(
        () => states.slice(statesBefore).includes('reconnecting'),
        10_000,
        'connectionState$ to report reconnecting',
      );
      await server.restart();
      await waitFor(
        () => states.at(-1) === 'connected',
        15_000,
        'connectionState$ to report connected again',
      );

      // Re-subscribed (by ioredis and re-issued by the subscriber): a new publisher reaches the same Observables.
      const publisher = new Redis(server.url);
      try {
        await waitFor(
          async () => (await numsub(server.port, 'news')) === 1,
          10_000,
          'the SUBSCRIBE to be back',
        );
        await publisher.publish('news', JSON.stringify('after'));
        await publisher.publish('orders.eu', JSON.stringify('order after'));
      } finally {
        publisher.disconnect();
      }
      await waitFor(
        () =>
          withoutProbes(news.values).includes('after') &&
          withoutProbes(orders.values).some((m) => m.message === 'order after'),
        10_000,
        'messages after the restart',
      );
      for (const observer of [news, orders, stateObserver]) {
        expect(observer.errors).toEqual([]);
        expect(observer.completed).toBe(false);
      }
      expect(states.slice(statesBefore - 1)).toEqual(['connected', 'reconnecting', 'connected']);
      // Every registered subscription was issued again and found in place (no "holds N of M").
      expect(
        warnings.mock.calls.filter(([line]) =>
          /Re-subscribing|subscriber holds/.test(String(line)),
        ),
      ).toEqual([]);
      warnings.mockRestore();
      news.subscription.unsubscribe();
      orders.subscription.unsubscribe();
    });
  });
});

describe('channel() when the client does not re-subscribe by itself (autoResubscribe: false)', () => {
  const serverOf = privateServer();

  it('the store issues every subscription again after a reconnect, so the same Observables keep receiving', async () => {
    const server = serverOf();
    await withStore(
      { redis: { host: HOST, port: server.port, autoResubscribe: false }, commandTimeout: 500 },
      async (store) => {
        const news = record(store.channel<string>('news'));
        const orders = record(store.pattern<string>('orders.*'));
        await untilLive(store, 'news', () => news.values.length > 0);
        await untilLive(store, 'orders.probe', () => orders.values.length > 0);
        const ordersBefore = orders.values.length;
        await server.kill();
        await server.restart();
        await waitFor(
          async () => (await numsub(server.port, 'news')) === 1,
          10_000,
          'the SUBSCRIBE issued again',
        );
        await untilLive(store, 'orders.probe', () => orders.values.length > ordersBefore);
        await store.publish('news', 'after');
        await waitFor(
          () => withoutProbes(news.values).includes('after'),
          10_000,
          'the message after the restart',
        );
        expect(news.errors).toEqual([]);
        news.subscription.unsubscribe();
        orders.subscription.unsubscribe();
      },
    );
  });
});

describe('channel() when Redis refuses a SUBSCRIBE (ACL)', () => {
  // A user who may use the channels "allowed:*" only (the store's channels are the names it is given).
  const serverOf = privateServer((server) =>
    redisCommand(server.port, [
      'ACL',
      'SETUSER',
      'limited',
      'on',
      '>secret',
      'resetchannels',
      '&allowed:*',
      '~*',
      '+@all',
    ]),
  );

  it('errors only the refused Observable; others on the same connection keep working', async () => {
    await withStore(
      { redis: { host: HOST, port: serverOf().port, username: 'limited', password: 'secret' } },
      async (store) => {
        const allowed = record(store.channel<string>('allowed:news'));
        const refused = record(store.channel<string>('forbidden'));
        await waitFor(() => refused.errors.length === 1, 5_000, 'the refusal');
        expect(refused.errors[0]).toBeInstanceOf(StoreCommandError);
        expect(String((refused.errors[0] as Error).message)).toMatch(/NOPERM|permission/i);
        await untilLive(store, 'allowed:news', () => allowed.values.length > 0);
        await store.publish('allowed:news', 'still here');
        await waitFor(
          () => withoutProbes(allowed.values).includes('still here'),
          5_000,
          'the allowed channel',
        );
        expect(allowed.errors).toEqual([]);
        // A later observer of the refused channel tries again (and is refused again), rather than hanging.
        const again = record(store.channel<string>('forbidden'));
        await waitFor(() => again.errors.length === 1, 5_000, 'the second refusal');
        allowed.subscription.unsubscribe();
      },
    );
  });
});

describe('channel() on Redis Cluster: classic and sharded pub/sub', () => {
  const nodes = () => clusterNodes();
  const fixtures = new StoreFixtures(() => ({ redis: { cluster: { nodes: nodes() } } }));
  afterAll(() => fixtures.closeAll());

  const onEveryNode = async (args: string[]): Promise<number> => {
    const replies = await Promise.all(nodes().map((node) => redisCommand(node.port, args)));
    return replies.reduce<number>((sum, reply) => sum + Number((reply as [string, number])[1]), 0);
  };

  it('classic: one SUBSCRIBE on one node for many observers; messages from any node arrive in order', async () => {
    const { store, prefix } = await fixtures.open();
    const observers = Array.from({ length: 5 }, () => record(store.channel<number>('classic')));
    await untilLive(store, 'classic', () => observers.every((o) => o.values.length > 0));
    expect(await onEveryNode(['PUBSUB', 'NUMSUB', `${prefix}classic`])).toBe(1);
    expect(await onEveryNode(['PUBSUB', 'SHARDNUMSUB', `${prefix}classic`])).toBe(0);
    for (let i = 0; i < 50; i++) await store.publish('classic', i);
    await waitFor(
      () => observers.every((o) => withoutProbes(o.values).length === 50),
      5_000,
      '50 messages each',
    );
    for (const observer of observers)
      expect(withoutProbes(observer.values)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (const observer of observers) observer.subscription.unsubscribe();
  });

  it('sharded: SSUBSCRIBE on the shard that owns the channel, SPUBLISH reaches it, in order', async () => {
    const { store, prefix } = await fixtures.open({ pubsub: { sharded: true } });
    const observers = Array.from({ length: 5 }, () => record(store.channel<number>('sharded')));
    await untilLive(store, 'sharded', () => observers.every((o) => o.values.length > 0));
    expect(await onEveryNode(['PUBSUB', 'SHARDNUMSUB', `${prefix}sharded`])).toBe(1);
    expect(await onEveryNode(['PUBSUB', 'NUMSUB', `${prefix}sharded`])).toBe(0);
    for (let i = 0; i < 50; i++) expect(await store.publish('sharded', i)).toBe(1);
    await waitFor(
      () => observers.every((o) => withoutProbes(o.values).length === 50),
      5_000,
      '50 messages each',
    );
    for (const observer of observers)
      expect(withoutProbes(observer.values)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (const observer of observers) observer.subscription.unsubscribe();
  });
});
