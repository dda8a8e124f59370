import { describeRateLimiterSuite } from './algorithms.suite.js';

describeRateLimiterSuite('memory driver', () => ({ driver: 'memory' }));
