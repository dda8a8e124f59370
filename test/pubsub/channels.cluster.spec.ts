import { clusterNodes } from '../support/harness-info.js';
import { describeChannelContract } from './channels.contract.js';

describeChannelContract(
  'Redis Cluster, classic pub/sub',
  () => ({ redis: { cluster: { nodes: clusterNodes() } } }),
  { nodeLocalPublishCount: true },
);
describeChannelContract(
  'Redis Cluster, sharded pub/sub',
  () => ({ redis: { cluster: { nodes: clusterNodes() } }, pubsub: { sharded: true } }),
  {
    nodeLocalPublishCount: true,
    noPatterns: true,
  },
);
