import assert from 'node:assert/strict';
import { rawValue } from '../../drivers/store-driver.interface.js';
import type { CaseGroup } from '../case-definition.js';
import { assertTtl, rejectsWithCommandError } from '../checks.js';

const EXPECTS = ['string', 'hash'] as const;

/** `read` and `setHash`: keys holding a string or a hash, and WRONGTYPE for anything else. */
export const hashCases: CaseGroup = {
  group: 'hashes',
  cases: [
    {
      title:
        "read answers a string, a hash's fields, or null, " +
        'whichever type it is told to expect first',
      async run(scope) {
        const driver = await scope.driver();
        const [text, hash, missing] = ['text', 'hash', 'missing'].map((name) => scope.key(name));
        await driver.set(text, 'v');
        await driver.setHash(hash, { a: '1', 'ü ✓': '漢字', empty: '' });
        for (const expect of EXPECTS) {
          assert.equal(
            await driver.read(text, rawValue, expect),
            'v',
            `read of a string expecting a ${expect}`,
          );
          assert.deepEqual(
            await driver.read(hash, rawValue, expect),
            { a: '1', 'ü ✓': '漢字', empty: '' },
            `read of a hash expecting a ${expect}`,
          );
          assert.equal(
            await driver.read(missing, rawValue, expect),
            null,
            `read of a missing key expecting a ${expect}`,
          );
        }
      },
    },
    {
      title:
        'setHash replaces whatever the key held (a string, ' +
        'or a hash with other fields) and its TTL',
      async run(scope) {
        const driver = await scope.driver();
        const key = scope.key('k');
        await driver.set(key, 's', 60_000);
        await driver.setHash(key, { a: '1', b: '' });
        assert.deepEqual(
          await driver.read(key, rawValue, 'hash'),
          { a: '1', b: '' },
          'setHash over a string',
        );
        assert.equal(
          await driver.pttl(key),
          -1,
          'setHash without ttlMs must clear the earlier TTL',
        );
        await driver.setHash(key, { c: '3' }, 60_000);
        assert.deepEqual(
          await driver.read(key, rawValue, 'hash'),
          { c: '3' },
          'setHash over a hash must leave none of its old fields',
        );
        assertTtl(await driver.pttl(key), 60_000, 'pttl after setHash with 60 000 ms');
      },
    },
    {
      title:
        'get of a key holding a hash rejects with ' +
        'StoreCommandError (WRONGTYPE) and leaves it as it is',
      async run(scope) {
        const driver = await scope.driver();
        const key = scope.key('h');
        await driver.setHash(key, { f: '1' });
        await rejectsWithCommandError(driver.get(key, rawValue), 'get of a hash', 'WRONGTYPE');
        assert.deepEqual(
          await driver.read(key, rawValue, 'hash'),
          { f: '1' },
          'the hash after the refused get',
        );
      },
    },
    {
      title: 'read and mget of a key of another type reject with StoreCommandError (WRONGTYPE)',
      needsOtherType: true,
      async run(scope) {
        const driver = await scope.driver();
        const key = scope.key('other');
        await scope.settings.writeOtherType!(driver, key);
        for (const expect of EXPECTS)
          await rejectsWithCommandError(
            driver.read(key, rawValue, expect),
            `read of another type expecting a ${expect}`,
            'WRONGTYPE',
          );
        await rejectsWithCommandError(
          driver.mget([scope.key('missing'), key]),
          'mget including a key of another type',
          'WRONGTYPE',
        );
      },
    },
  ],
};
