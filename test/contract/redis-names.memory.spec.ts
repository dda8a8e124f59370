import { memoryForeignClient } from './foreign-client.js';
import { describeRedisNamesContract } from './redis-names.contract.js';

describeRedisNamesContract(
  'memory driver',
  () => ({ driver: 'memory' }),
  (fixture) => memoryForeignClient(fixture.driver),
);
