import assert from 'node:assert/strict';
import { rawValue } from '../../drivers/store-driver.interface.js';
import type { CaseGroup } from '../case-definition.js';
import { assertTtl, assertTtlOrGone } from '../checks.js';

/**
 * Strings that must come back byte for byte: empty, Unicode beyond the BMP, control characters,
 * number-like, large.
 */
const ODD_STRINGS = [
  '',
  'plain',
  'ü 漢字 ✓ 🎉',
  'line\nbreak\ttab\u0000nul',
  '007',
  '-0',
  '1e3',
  ' padded ',
  'x'.repeat(200_000),
];

/** `get`, `set`, `mget`, `mset`: strings, TTLs in ms, and what a write replaces. */
export const stringCases: CaseGroup = {
  group: 'strings',
  cases: [
    {
      title:
        'get hands the stored string, or null for a missing key, to the decoder and ' +
        'resolves to what it returns (a promise awaited, a throw rejected as it is)',
      async run(scope) {
        const driver = await scope.driver();
        const key = scope.key('k');
        assert.deepEqual(
          await driver.get(key, (raw) => ({ raw })),
          { raw: null },
          'get of a missing key',
        );
        await driver.set(key, 'v');
        assert.deepEqual(await driver.get(key, (raw) => ({ raw })), { raw: 'v' }, 'get after set');
        assert.equal(
          await driver.get(key, async (raw) => `${raw}!`),
          'v!',
          'a decoder returning a promise',
        );
        const thrown = new Error('decoder failed');
        const fails = () => {
          throw thrown;
        };
        await assert.rejects(
          driver.get(key, fails),
          (error) => error === thrown,
          'get must reject with the error its decoder threw',
        );
        await assert.rejects(
          driver.read(key, fails, 'string'),
          (error) => error === thrown,
          'read must reject with the error its decoder threw',
        );
      },
    },
    {
      title: 'set then get round-trips any string exactly',
      async run(scope) {
        const driver = await scope.driver();
        await Promise.all(ODD_STRINGS.map((value, i) => driver.set(scope.key(`s${i}`), value)));
        const read = await Promise.all(
          ODD_STRINGS.map((_, i) => driver.get(scope.key(`s${i}`), rawValue)),
        );
        read.forEach((value, i) =>
          assert.equal(value, ODD_STRINGS[i], `round trip of string #${i}`),
        );
      },
    },
    {
      title:
        'a TTL is in milliseconds; once it runs out the key ' +
        'is gone for get, read and mget, and pttl answers -2',
      async run(scope) {
        const driver = await scope.driver();
        const long = scope.key('long');
        const short = scope.key('short');
        await driver.set(long, 'v', 60_000);
        assertTtl(await driver.pttl(long), 60_000, 'pttl after set with 60 000 ms');
        await driver.set(short, 'v', 40);
        assertTtlOrGone(await driver.pttl(short), 40, 'pttl after set with 40 ms');
        await scope.waitFor(
          async () => (await driver.get(short, rawValue)) === null,
          'get to answer null once the 40 ms TTL ran out',
        );
        assert.equal(await driver.read(short, rawValue, 'string'), null, 'read of an expired key');
        assert.deepEqual(
          await driver.mget([short, long]),
          [null, 'v'],
          'mget of an expired and a live key',
        );
        assert.equal(await driver.pttl(short), -2, 'pttl of an expired key');
      },
    },
    {
      title:
        'set replaces the value, the type (a hash) and the ' +
        'TTL: without ttlMs the key no longer expires',
      async run(scope) {
        const driver = await scope.driver();
        const key = scope.key('k');
        await driver.set(key, 'a', 60_000);
        await driver.set(key, 'b');
        assert.equal(await driver.get(key, rawValue), 'b', 'get after the second set');
        assert.equal(await driver.pttl(key), -1, 'a set without ttlMs must clear the earlier TTL');
        const hash = scope.key('h');
        await driver.setHash(hash, { f: '1' }, 60_000);
        await driver.set(hash, 's');
        assert.equal(await driver.get(hash, rawValue), 's', 'get after set over a hash');
        assert.equal(await driver.pttl(hash), -1, 'set over a hash with a TTL');
      },
    },
    {
      title:
        'mget answers each key in order: a string, a hash as ' +
        'its fields, or null; keys may repeat and span slots',
      async run(scope) {
        const driver = await scope.driver();
        const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => scope.key(name));
        await driver.set(a, '1');
        await driver.setHash(b, { f: 'x', empty: '' });
        await driver.set(d, '4', 60_000);
        assert.deepEqual(await driver.mget([a, b, c, d, a]), [
          '1',
          { f: 'x', empty: '' },
          null,
          '4',
          '1',
        ]);
      },
    },
    {
      title:
        'mset writes strings and hashes, each with its ' +
        'own TTL or none, replacing what the keys held',
      async run(scope) {
        const driver = await scope.driver();
        const [a, b, c] = ['a', 'b', 'c'].map((name) => scope.key(name));
        await driver.setHash(a, { old: '1' }, 60_000);
        await driver.set(b, 'old');
        await driver.setHash(c, { x: '1', y: '2' });
        await driver.mset([
          { key: a, value: '1' },
          { key: b, value: { f: 'v' }, ttlMs: 60_000 },
          { key: c, value: { x: '3' }, ttlMs: 60_000 },
        ]);
        assert.deepEqual(
          await driver.mget([a, b, c]),
          ['1', { f: 'v' }, { x: '3' }],
          'what mset wrote (a hash replaced whole)',
        );
        assert.equal(
          await driver.pttl(a),
          -1,
          'an mset entry without ttlMs must not keep the old TTL',
        );
        assertTtl(await driver.pttl(b), 60_000, 'pttl of a hash written by mset with 60 000 ms');
        assertTtl(await driver.pttl(c), 60_000, 'pttl of a hash replaced by mset with 60 000 ms');
      },
    },
  ],
};
