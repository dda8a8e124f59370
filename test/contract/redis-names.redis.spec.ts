import { Cluster, Redis } from 'ioredis';
import { clusterNodes, harnessInfo } from '../support/harness-info.js';
import { redisForeignClient } from './foreign-client.js';
import { describeRedisNamesContract } from './redis-names.contract.js';

describeRedisNamesContract(
  'Redis standalone',
  () => ({ redis: harnessInfo().standaloneUrl }),
  () => {
    const url = new URL(harnessInfo().standaloneUrl);
    return redisForeignClient(new Redis(harnessInfo().standaloneUrl), Number(url.port));
  },
);

describeRedisNamesContract(
  'Redis Cluster (3 masters)',
  () => ({ redis: { cluster: { nodes: clusterNodes() } } }),
  () => redisForeignClient(new Cluster(clusterNodes()), clusterNodes()[0].port),
  { cluster: true },
);
