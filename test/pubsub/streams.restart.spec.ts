import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { StoreService, type StreamMessage } from '../../lib/index.js';
import { StoreFixtures, sleep, waitFor } from '../contract/store-fixture.js';
import { redisCommand, startStandalone, type RedisServerHandle } from '../support/redis-servers.js';
import { record, type Recorded } from './observe.js';

/** `INFO clients` → connected_clients (the asking connection included). */
async function connectedClients(server: RedisServerHandle): Promise<number> {
  const info = String(await redisCommand(server.port, ['INFO', 'clients']));
  return Number(/connected_clients:(\d+)/.exec(info)?.[1]);
}

/** The ids of the connections blocked in XREADGROUP. */
async function blockedReaders(server: RedisServerHandle): Promise<string[]> {
  const list = String(await redisCommand(server.port, ['CLIENT', 'LIST']));
  return list
    .split('\n')
    .filter((line) => / cmd=xreadgroup /.test(line) && / flags=b /.test(line))
    .map((line) => /id=(\d+)/.exec(line)?.[1] ?? '');
}

describe('durable streams on a private Redis server', () => {
  let server: RedisServerHandle;
  let fixtures: StoreFixtures;
  let store: StoreService;
  const recordings: Array<Recorded<unknown>> = [];

  function consume(name: string, blockMs = 5_000, autoAck = true): Recorded<StreamMessage<string>> {
    const stream = store.stream<string>(name, {
      group: 'g',
      consumer: 'c',
      startFrom: '0',
      blockMs,
    });
    const recorded = record(stream, (m) => {
      if (autoAck) void m.ack();
    });
    recordings.push(recorded as Recorded<unknown>);
    return recorded;
  }

  beforeAll(async () => {
    server = await startStandalone();
    fixtures = new StoreFixtures(() => ({ redis: server.url, commandTimeout: 500 }));
    store = (await fixtures.open()).store;
  });
  afterEach(() => {
    for (const recorded of recordings.splice(0)) recorded.subscription.unsubscribe();
  });
  afterAll(async () => {
    await fixtures.closeAll();
    await server.stop();
  });

  it('blocks on a connection of its own, opened on subscribe and closed on unsubscribe', async () => {
    await store.append('own-connection', 'warm-up');
    const before = await connectedClients(server);
    const consumer = consume('own-connection');
    await waitFor(() => consumer.values.length === 1, 5_000, 'the message');
    await waitFor(async () => (await blockedReaders(server)).length === 1, 5_000, 'a blocked read');
    const commandConnection = String(await store.client.call('client', 'id'));
    expect(await blockedReaders(server)).not.toContain(commandConnection);
    expect(await connectedClients(server)).toBe(before + 1);
    // The command connection is free while the read blocks.
    await store.append('own-connection', 'while blocked');
    await waitFor(() => consumer.values.length === 2, 5_000, 'the second message');

    consumer.subscription.unsubscribe();
    await waitFor(
      async () => (await connectedClients(server)) === before,
      5_000,
      'the reader connection to close',
    );
    expect(await blockedReaders(server)).toEqual([]);
  });

  it('survives a restart: neither errors nor completes, and receives what is appended afterwards', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const consumer = consume('restart', 100, false);
    await store.append('restart', 'before');
    await waitFor(() => consumer.values.length === 1, 5_000, 'the first message');

    await server.kill();
    // An acknowledgement made while Redis is away waits for it instead of failing.
    const acked = consumer.values[0].ack();
    await sleep(300);
    await server.restart();
    await acked;
    // Without persistence the stream and its group are gone; the consumer creates them again.
    await waitFor(
      () =>
        store.append('restart', 'after').then(
          () => true,
          () => false,
        ),
      10_000,
      'appends to succeed again',
    );
    await waitFor(
      () => consumer.values.some((m) => m.message === 'after'),
      10_000,
      'a message appended after the restart',
    );
    expect(consumer.errors).toEqual([]);
    expect(consumer.completed).toBe(false);
    expect(
      warn.mock.calls.some(([line]) => /NOGROUP.*creating the group again/.test(String(line))),
    ).toBe(true);
    warn.mockRestore();
  });
});
