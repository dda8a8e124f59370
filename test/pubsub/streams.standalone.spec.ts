import { harnessInfo } from '../support/harness-info.js';
import { describeStreamsContract } from './streams.contract.js';

describeStreamsContract('Redis standalone', () => ({ redis: harnessInfo().standaloneUrl }), {
  redis: true,
});
