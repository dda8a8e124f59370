import { harnessInfo } from '../harness/harness-info.js';
import { describeStreamsContract } from './streams.contract.js';

describeStreamsContract('Redis standalone', () => ({ redis: harnessInfo().standaloneUrl }), { redis: true });
