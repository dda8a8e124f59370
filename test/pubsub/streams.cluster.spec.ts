import { clusterNodes } from '../support/harness-info.js';
import { describeStreamsContract } from './streams.contract.js';

describeStreamsContract(
  'Redis Cluster (3 masters)',
  () => ({ redis: { cluster: { nodes: clusterNodes() } } }),
  { redis: true },
);
