import assert from 'node:assert/strict';
import { rawValue } from '../../drivers/store-driver.interface.js';
import type { CaseGroup } from '../case-definition.js';
import { describeError } from '../checks.js';

/** `close()`: what the module's shutdown relies on. */
export const closeCases: CaseGroup = {
  group: 'close',
  cases: [
    {
      title: 'commands under way when close() is called complete; a second close() resolves',
      async run(scope) {
        const driver = await scope.driver();
        const key = scope.key('k');
        await driver.set(key, 'ready');
        const underWay = [
          driver.set(scope.key('w'), 'v'),
          driver.incrBy(scope.key('n'), 1),
          driver.get(key, rawValue),
        ];
        await scope.close(driver);
        const outcomes = await Promise.allSettled(underWay);
        outcomes.forEach((outcome, i) => {
          assert.equal(
            outcome.status,
            'fulfilled',
            `command #${i} under way at close() failed: ` +
              `${outcome.status === 'rejected' ? describeError(outcome.reason) : ''}`,
          );
        });
        assert.equal(
          (outcomes[2] as PromiseFulfilledResult<unknown>).value,
          'ready',
          'a get under way at close()',
        );
        await driver.close();
        assert.equal(driver.connectionState(), 'closed', 'connectionState() after close()');
      },
    },
  ],
};
