import { describeChannelContract } from './channels.contract.js';

describeChannelContract('memory driver', () => ({ driver: 'memory' }));
