import assert from 'node:assert/strict';
import type { StoreConnectionState } from '../../drivers/store-driver.interface.js';
import type { CaseGroup } from '../case-definition.js';

/** `connectionState`, `onConnectionState`: what `connectionState$` follows. */
export const connectionCases: CaseGroup = {
  group: 'connection',
  cases: [
    {
      title:
        "connectionState() becomes 'connected'; listeners hear 'closed' once, " +
        'last, when the driver closes; a removed listener hears nothing',
      async run(scope) {
        const driver = await scope.driver();
        await driver.set(scope.key('k'), 'v');
        await scope.waitFor(
          () => driver.connectionState() === 'connected',
          "connectionState() to be 'connected'",
        );
        const heard: StoreConnectionState[] = [];
        const removedHeard: StoreConnectionState[] = [];
        driver.onConnectionState((state) => heard.push(state));
        const remove = driver.onConnectionState((state) => removedHeard.push(state));
        remove();
        await scope.close(driver);
        assert.equal(driver.connectionState(), 'closed', 'connectionState() after close()');
        assert.equal(
          heard.filter((state) => state === 'closed').length,
          1,
          `a listener must hear 'closed' once, heard ${JSON.stringify(heard)}`,
        );
        assert.equal(
          heard[heard.length - 1],
          'closed',
          `'closed' must come last, heard ${JSON.stringify(heard)}`,
        );
        assert.deepEqual(removedHeard, [], 'a removed listener');
      },
    },
  ],
};
