import 'reflect-metadata';
import { Redis } from 'ioredis';
import { describeStoreContract } from '../contract/store.contract.js';
import { describeChannelContract } from '../pubsub/channels.contract.js';
import { redisForeignClient } from '../contract/foreign-client.js';
import { describeRedisNamesContract } from '../contract/redis-names.contract.js';
import { StoreFixtures, waitFor } from '../contract/store-fixture.js';
import { startSentinelGroup, type SentinelHandle } from '../support/redis-servers.js';
import type { StoreModuleOptions } from '../../lib/index.js';

describe('Redis Sentinel', () => {
  let group: SentinelHandle;
  const connection = (): StoreModuleOptions => ({
    redis: { sentinel: { sentinels: group.sentinels, name: group.name } },
  });

  beforeAll(async () => {
    group = await startSentinelGroup();
  }, 60_000);
  afterAll(() => group.stop());

  describeStoreContract('Redis via Sentinel', connection);
  describeChannelContract('Redis via Sentinel', connection);
  describeRedisNamesContract('Redis via Sentinel', connection, () =>
    redisForeignClient(
      new Redis({ sentinels: group.sentinels, name: group.name }),
      group.master.port,
    ),
  );

  describe('failover', () => {
    const fixtures = new StoreFixtures(connection);
    afterAll(() => fixtures.closeAll());

    it('sends writes to the new master within seconds of SENTINEL FAILOVER', async () => {
      const { store, prefix } = await fixtures.open();
      await store.set('before-failover', 1);
      const sentinel = new Redis({ host: group.sentinels[0].host, port: group.sentinels[0].port });
      const promoted = new Redis({ host: group.replica.host, port: group.replica.port });
      try {
        await sentinel.call('SENTINEL', 'FAILOVER', group.name);
        await waitFor(
          async () => String(await promoted.call('ROLE')).startsWith('master'),
          20_000,
          'the replica to be promoted',
        );
        // Until Sentinel demotes the old master, a write can still land there (and be lost when it resyncs):
        // keep writing fresh values until one lands on the promoted server.
        let attempt = 0;
        const started = Date.now();
        await waitFor(
          async () => {
            const value = `v${++attempt}`;
            const written = await store.set('after-failover', value).then(
              () => true,
              () => false,
            );
            return (
              written && (await promoted.get(`${prefix}after-failover`)) === JSON.stringify(value)
            );
          },
          20_000,
          'a write to land on the new master',
        );
        process.stdout.write(
          `failover: writes reached the new master ${Date.now() - started} ms after promotion\n`,
        );
        expect(await store.get('before-failover')).toBe(1);
        expect(await store.get('after-failover')).toBe(`v${attempt}`);
      } finally {
        sentinel.disconnect();
        promoted.disconnect();
      }
    }, 60_000);
  });
});
