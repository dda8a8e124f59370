import { harnessInfo } from '../support/harness-info.js';
import { describeRateLimiterSuite } from './algorithms.suite.js';

describeRateLimiterSuite('Redis standalone', () => ({ redis: harnessInfo().standaloneUrl }));
