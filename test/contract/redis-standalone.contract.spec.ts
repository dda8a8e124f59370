import { harnessInfo } from '../support/harness-info.js';
import { describeStoreContract } from './store.contract.js';

describeStoreContract('Redis standalone', () => ({ redis: harnessInfo().standaloneUrl }));
