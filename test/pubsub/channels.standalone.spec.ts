import { harnessInfo } from '../support/harness-info.js';
import { describeChannelContract } from './channels.contract.js';

describeChannelContract('Redis standalone', () => ({ redis: harnessInfo().standaloneUrl }));
