import assert from 'node:assert/strict';
import type { StoreDriver } from '../../drivers/store-driver.interface.js';
import type { CaseGroup } from '../case-definition.js';
import type { ContractScope } from '../contract-scope.js';

/** Names (under a prefix) every glob below is tried on; `h:` ones are hashes. */
const NAMES = [
  'a',
  'ab',
  'abc',
  'b',
  'ba',
  'a*',
  'a?',
  'a[1]',
  'a\\',
  'x1',
  'x2',
  'xy',
  'é1',
  'h:1',
  'h:2',
];

/**
 * Redis globs (SCAN MATCH) and exactly the names each selects. Redis matches bytes of the UTF-8
 * form, so `?` is one byte: `é` (two bytes) needs `??`.
 */
const GLOBS: Array<[glob: string, selected: string[]]> = [
  ['a*', ['a', 'ab', 'abc', 'a*', 'a?', 'a[1]', 'a\\']],
  ['a?', ['ab', 'a*', 'a?', 'a\\']],
  ['?', ['a', 'b']],
  ['x[0-9]', ['x1', 'x2']],
  ['x[^0-9]', ['xy']],
  ['[ab]b*', ['ab', 'abc']],
  ['a\\*', ['a*']],
  ['a\\?', ['a?']],
  ['a\\[1\\]', ['a[1]']],
  ['a\\\\', ['a\\']],
  ['h:*', ['h:1', 'h:2']],
  ['??1', ['é1', 'h:1']],
  ['zz*', []],
];

/** A `keep` no key of the case starts with. */
const keepNothing = (scope: ContractScope) => `${scope.prefix}\u0000`;

async function writeNames(driver: StoreDriver, under: string): Promise<void> {
  await driver.mset(
    NAMES.map((name) => ({ key: under + name, value: name.startsWith('h:') ? { f: name } : name })),
  );
}

/** `deleteByPattern`: Redis glob semantics over every node, and the `keep` prefix. */
export const deleteByPatternCases: CaseGroup = {
  group: 'deleteByPattern',
  cases: [
    {
      title:
        'deletes exactly the keys a Redis glob matches (*, ?, [a-c], [^x], ' +
        '\\ escapes, bytes of UTF-8), strings and hashes, and counts them',
      async run(scope) {
        const driver = await scope.driver();
        await Promise.all(
          GLOBS.map(async ([glob, selected], i) => {
            const under = scope.key(`g${i}:`);
            await writeNames(driver, under);
            const deleted = await driver.deleteByPattern(
              scope.glob(glob, `g${i}:`),
              keepNothing(scope),
            );
            const left = await driver.mget(NAMES.map((name) => under + name));
            const gone = NAMES.filter((_, j) => left[j] === null);
            assert.deepEqual(
              gone,
              selected,
              `the keys deleteByPattern deleted for the glob ${JSON.stringify(glob)}`,
            );
            assert.equal(
              deleted,
              selected.length,
              `the count deleteByPattern answered for the glob ${JSON.stringify(glob)}`,
            );
          }),
        );
      },
    },
    {
      title:
        'never deletes keys that start with keep, even when they match, nor keys outside the glob',
      async run(scope) {
        const driver = await scope.driver();
        const [data1, data2, inner1, inner2, innerish, outside] = [
          'in:data:1',
          'in:data:2',
          'in:int:t:1',
          'in:int:l:1',
          'in:intx',
          'out:1',
        ].map((name) => scope.key(name));
        await driver.mset(
          [data1, data2, inner1, inner2, innerish, outside].map((key) => ({ key, value: 'v' })),
        );
        assert.equal(
          await driver.deleteByPattern(scope.glob('*', 'in:'), scope.key('in:int:')),
          3,
          'deleteByPattern count',
        );
        assert.deepEqual(
          await driver.mget([data1, data2, innerish, inner1, inner2, outside]),
          [null, null, null, 'v', 'v', 'v'],
          'what deleteByPattern left',
        );
      },
    },
    {
      title: 'deletes every match however many there are (several SCAN batches, every node)',
      async run(scope) {
        const driver = await scope.driver();
        const keys = Array.from({ length: 1_200 }, (_, i) => scope.key(`many:${i}`));
        await driver.mset(keys.map((key) => ({ key, value: 'v' })));
        assert.equal(
          await driver.deleteByPattern(scope.glob('*', 'many:'), keepNothing(scope)),
          keys.length,
          'deleteByPattern count',
        );
        const left = (await driver.mget(keys)).filter((value) => value !== null).length;
        assert.equal(left, 0, 'keys left after deleteByPattern');
        assert.equal(
          await driver.deleteByPattern(scope.glob('*', 'many:'), keepNothing(scope)),
          0,
          'a second deleteByPattern',
        );
      },
    },
  ],
};
