import assert from 'node:assert/strict';
import type { CaseGroup } from '../case-definition.js';

/** `delete` (UNLINK). */
export const deleteCases: CaseGroup = {
  group: 'delete',
  cases: [
    {
      title:
        'delete removes strings and hashes across slots and resolves to ' +
        'how many of the keys existed (a key named twice counts once)',
      async run(scope) {
        const driver = await scope.driver();
        const [text, hash, missing, other] = ['text', 'hash', 'missing', 'other'].map((name) =>
          scope.key(name),
        );
        await driver.set(text, 'v');
        await driver.setHash(hash, { f: '1' });
        await driver.set(other, 'stays');
        assert.equal(await driver.delete([text, hash, missing, text]), 2, 'delete count');
        assert.deepEqual(
          await driver.mget([text, hash, other]),
          [null, null, 'stays'],
          'what delete left',
        );
        assert.equal(await driver.delete([text]), 0, 'delete of a key deleted already');
      },
    },
  ],
};
