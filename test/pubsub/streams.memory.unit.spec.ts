import { describeStreamsContract } from './streams.contract.js';

describeStreamsContract('memory driver', () => ({ driver: 'memory' }));
