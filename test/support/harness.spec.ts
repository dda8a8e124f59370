/**
 * Proves the harness: the processes it starts are real, reachable Redis servers in the expected
 * topology, and every client here is closed so Jest exits on its own.
 */
import { Cluster, Redis } from 'ioredis';
import { clusterNodes, harnessInfo } from './harness-info.js';
import { testKeyPrefix } from './key-prefix.js';
import { redisCommand, startSentinelGroup, startStandalone, stopAll } from './redis-servers.js';

afterAll(async () => {
  await stopAll();
});

describe('test harness', () => {
  it('provides a standalone server that answers PING and SET/GET', async () => {
    const client = new Redis(harnessInfo().standaloneUrl, { lazyConnect: true });
    try {
      await client.connect();
      expect(await client.ping()).toBe('PONG');
      // Under the run's prefix: with REDIS_URL this is someone else's server (global-teardown clears it).
      const key = `${testKeyPrefix('harness')}standalone`;
      await client.set(key, 'ok', 'EX', 30);
      expect(await client.get(key)).toBe('ok');
    } finally {
      await client.quit();
    }
  });

  it('provides a 3-master Cluster that serves keys in different slots', async () => {
    const nodes = clusterNodes();
    expect(nodes).toHaveLength(3);
    const info = await redisCommand(nodes[0]!.port, ['CLUSTER', 'INFO']);
    expect(String(info)).toContain('cluster_state:ok');

    const cluster = new Cluster(nodes, { lazyConnect: true });
    try {
      await cluster.connect();
      // 'b', 'c' and 'a' hash to slots 3300, 7365 and 15495: one per master.
      const keys = ['b', 'c', 'a'].map((k) => `harness:${k}`);
      const slots = await Promise.all(keys.map((k) => cluster.cluster('KEYSLOT', k)));
      const owners = new Set(slots.map((slot) => cluster.slots[Number(slot)]?.[0]));
      expect(owners.size).toBe(3);
      for (const key of keys) await cluster.set(key, `v-${key}`, 'EX', 30);
      for (const key of keys) expect(await cluster.get(key)).toBe(`v-${key}`);
    } finally {
      await cluster.quit();
    }
  });

  it('starts a Sentinel group an ioredis sentinel client can use', async () => {
    const group = await startSentinelGroup();
    try {
      const client = new Redis({
        sentinels: group.sentinels,
        name: group.name,
        failoverDetector: true,
        lazyConnect: true,
      });
      try {
        await client.connect();
        await client.set('harness:sentinel', 'ok');
        expect(await client.get('harness:sentinel')).toBe('ok');
      } finally {
        await client.quit();
        // ioredis 6.0.0: quit() leaves the failoverDetector's sentinel subscriptions open
        // (redis/ioredis#1362); disconnect() runs the connector cleanup that closes them.
        client.disconnect();
      }
    } finally {
      await group.stop();
    }
  });

  it('restarts a killed standalone on the same port', async () => {
    const server = await startStandalone();
    try {
      const firstPid = server.pid;
      expect(await redisCommand(server.port, ['PING'])).toBe('PONG');
      await server.kill();
      await expect(redisCommand(server.port, ['PING'], 300)).rejects.toThrow();
      await server.restart();
      expect(server.pid).not.toBe(firstPid);
      expect(await redisCommand(server.port, ['PING'])).toBe('PONG');
    } finally {
      await server.stop();
    }
  });
});
