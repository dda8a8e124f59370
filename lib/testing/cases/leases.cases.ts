import assert from 'node:assert/strict';
import { rawValue } from '../../drivers/store-driver.interface.js';
import type { CaseGroup } from '../case-definition.js';
import { assertTtl } from '../checks.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** `setIfAbsent`, `renewIfOwner`, `deleteIfOwner`: the lease locks of cache loads. */
export const leaseCases: CaseGroup = {
  group: 'leases',
  capability: 'leases',
  cases: [
    {
      title:
        'setIfAbsent writes (true) only when the key is absent, with a TTL in ms; ' +
        'of concurrent calls exactly one wins; an expired lease can be taken again',
      async run(scope) {
        const driver = await scope.driver();
        const [lease, plain, fleeting] = ['lease', 'plain', 'fleeting'].map((name) =>
          scope.key(name),
        );
        assert.equal(
          await driver.setIfAbsent(lease, 'A', MINUTE),
          true,
          'setIfAbsent of a missing key',
        );
        assert.equal(
          await driver.setIfAbsent(lease, 'B', MINUTE),
          false,
          'setIfAbsent of a held key',
        );
        assert.equal(
          await driver.get(lease, rawValue),
          'A',
          'the lease after a refused setIfAbsent',
        );
        assertTtl(await driver.pttl(lease), MINUTE, 'pttl of a lease taken for 60 000 ms');
        await driver.set(plain, 'x');
        assert.equal(
          await driver.setIfAbsent(plain, 'B', MINUTE),
          false,
          'setIfAbsent of a key written by set',
        );
        const race = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            driver.setIfAbsent(scope.key('race'), `owner${i}`, MINUTE),
          ),
        );
        assert.equal(
          race.filter(Boolean).length,
          1,
          'of 10 concurrent setIfAbsent calls exactly one must win',
        );
        assert.equal(await driver.setIfAbsent(fleeting, 'A', 30), true, 'setIfAbsent with 30 ms');
        await scope.waitFor(
          async () => (await driver.pttl(fleeting)) === -2,
          'a 30 ms lease to run out',
        );
        assert.equal(
          await driver.setIfAbsent(fleeting, 'B', MINUTE),
          true,
          'setIfAbsent once the lease ran out',
        );
        assert.equal(await driver.get(fleeting, rawValue), 'B', 'the new lease');
      },
    },
    {
      title:
        'renewIfOwner and deleteIfOwner act only while the ' +
        'key holds the given value, and never create a key',
      async run(scope) {
        const driver = await scope.driver();
        const lease = scope.key('lease');
        await driver.setIfAbsent(lease, 'A', MINUTE);
        assert.equal(
          await driver.renewIfOwner(lease, 'B', HOUR),
          false,
          'renewIfOwner by another owner',
        );
        assertTtl(await driver.pttl(lease), MINUTE, 'the TTL after a refused renewal');
        assert.equal(
          await driver.renewIfOwner(lease, 'A', HOUR),
          true,
          'renewIfOwner by the owner',
        );
        const renewed = await driver.pttl(lease);
        assert.ok(
          renewed > MINUTE && renewed <= HOUR,
          `renewIfOwner must set the new TTL: expected (60 000, ${HOUR}] ms, got ${renewed}`,
        );
        assert.equal(
          await driver.deleteIfOwner(lease, 'B'),
          false,
          'deleteIfOwner by another owner',
        );
        assert.equal(await driver.get(lease, rawValue), 'A', 'the lease after a refused delete');
        assert.equal(await driver.deleteIfOwner(lease, 'A'), true, 'deleteIfOwner by the owner');
        assert.equal(
          await driver.get(lease, rawValue),
          null,
          'the lease after its owner deleted it',
        );
        assert.equal(
          await driver.renewIfOwner(lease, 'A', MINUTE),
          false,
          'renewIfOwner of a missing key',
        );
        assert.equal(
          await driver.deleteIfOwner(lease, 'A'),
          false,
          'deleteIfOwner of a missing key',
        );
        assert.equal(await driver.pttl(lease), -2, 'renewIfOwner must not create a key');
      },
    },
  ],
};
