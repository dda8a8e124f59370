import { harnessInfo } from '../harness/harness-info.js';
import { describeStoreContract } from './store.contract.js';

describeStoreContract('Redis standalone', () => ({ redis: harnessInfo().standaloneUrl }));
