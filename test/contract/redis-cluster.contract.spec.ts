import { clusterNodes } from '../support/harness-info.js';
import { describeStoreContract } from './store.contract.js';

describeStoreContract(
  'Redis Cluster (3 masters)',
  () => ({ redis: { cluster: { nodes: clusterNodes() } } }),
  {
    nodeLocalPublishCount: true,
  },
);
