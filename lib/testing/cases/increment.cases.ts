import assert from 'node:assert/strict';
import { rawValue } from '../../drivers/store-driver.interface.js';
import type { CaseGroup } from '../case-definition.js';
import { assertTtl, rejectsWithCommandError } from '../checks.js';

const MAX = Number.MAX_SAFE_INTEGER;

/**
 * What Redis's INCRBY refuses as "not an integer": decimals, spaces, signs other than '-', leading
 * zeros, '-0', nothing.
 */
const NOT_INTEGERS = ['1.5', ' 1', '1 ', '01', 'abc', '+1', '', '-0'];

/** `incrBy`: INCRBY on strings, keeping the TTL, within JavaScript's safe integers. */
export const incrementCases: CaseGroup = {
  group: 'increment',
  cases: [
    {
      title:
        'a missing key counts as 0; incrBy resolves to the new ' +
        'value, stored as a decimal string without expiry',
      async run(scope) {
        const driver = await scope.driver();
        const key = scope.key('n');
        assert.equal(await driver.incrBy(key, 5), 5, 'incrBy of a missing key');
        assert.equal(await driver.incrBy(key, -7), -2, 'incrBy with a negative amount');
        assert.equal(await driver.incrBy(key, 0), -2, 'incrBy 0');
        assert.equal(await driver.get(key, rawValue), '-2', 'the stored counter');
        assert.equal(await driver.pttl(key), -1, 'a counter created by incrBy has no TTL');
        const written = scope.key('written');
        await driver.set(written, '41');
        assert.equal(await driver.incrBy(written, 1), 42, 'incrBy of an integer written by set');
      },
    },
    {
      title: "incrBy keeps the key's TTL",
      async run(scope) {
        const driver = await scope.driver();
        const key = scope.key('n');
        await driver.set(key, '10', 60_000);
        assert.equal(await driver.incrBy(key, 1), 11);
        assertTtl(
          await driver.pttl(key),
          60_000,
          'pttl after incrBy of a key with a 60 000 ms TTL',
        );
      },
    },
    {
      title:
        'incrBy of a string Redis does not read as an integer ' +
        'rejects with StoreCommandError and changes nothing',
      async run(scope) {
        const driver = await scope.driver();
        for (const [i, value] of NOT_INTEGERS.entries()) {
          const key = scope.key(`bad${i}`);
          await driver.set(key, value);
          await rejectsWithCommandError(
            driver.incrBy(key, 1),
            `incrBy of ${JSON.stringify(value)}`,
          );
          assert.equal(
            await driver.get(key, rawValue),
            value,
            `${JSON.stringify(value)} after the refused incrBy`,
          );
        }
      },
    },
    {
      title:
        'incrBy of a key holding a hash rejects with ' +
        'StoreCommandError (WRONGTYPE) and changes nothing',
      async run(scope) {
        const driver = await scope.driver();
        const key = scope.key('h');
        await driver.setHash(key, { f: '1' });
        await rejectsWithCommandError(driver.incrBy(key, 1), 'incrBy of a hash', 'WRONGTYPE');
        assert.deepEqual(
          await driver.read(key, rawValue, 'hash'),
          { f: '1' },
          'the hash after the refused incrBy',
        );
      },
    },
    {
      title: 'a result outside ±(2^53 − 1) rejects with StoreCommandError and changes nothing',
      async run(scope) {
        const driver = await scope.driver();
        const up = scope.key('up');
        await driver.set(up, String(MAX - 1));
        assert.equal(await driver.incrBy(up, 1), MAX, 'incrBy up to Number.MAX_SAFE_INTEGER');
        await rejectsWithCommandError(driver.incrBy(up, 1), 'incrBy past Number.MAX_SAFE_INTEGER');
        assert.equal(
          await driver.get(up, rawValue),
          String(MAX),
          'the counter after the refused incrBy',
        );
        const down = scope.key('down');
        assert.equal(
          await driver.incrBy(down, -MAX),
          -MAX,
          'incrBy down to -Number.MAX_SAFE_INTEGER',
        );
        await rejectsWithCommandError(
          driver.incrBy(down, -1),
          'incrBy past -Number.MAX_SAFE_INTEGER',
        );
        assert.equal(
          await driver.get(down, rawValue),
          String(-MAX),
          'the counter after the refused decrement',
        );
        const beyond = scope.key('beyond');
        await driver.set(beyond, '9007199254740993');
        await rejectsWithCommandError(
          driver.incrBy(beyond, -1),
          'incrBy of a stored integer beyond the safe range',
        );
        assert.equal(
          await driver.get(beyond, rawValue),
          '9007199254740993',
          'the unsafe integer after the refused incrBy',
        );
      },
    },
  ],
};
