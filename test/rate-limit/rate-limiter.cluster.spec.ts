import { clusterNodes } from '../support/harness-info.js';
import { describeRateLimiterSuite } from './algorithms.suite.js';

describeRateLimiterSuite('Redis Cluster (3 masters)', () => ({
  redis: { cluster: { nodes: clusterNodes() } },
}));
