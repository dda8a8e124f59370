import assert from 'node:assert/strict';
import { rawValue } from '../../drivers/store-driver.interface.js';
import type { CaseGroup } from '../case-definition.js';
import { assertTtl } from '../checks.js';

const HOUR = 3_600_000;

/** `pexpire` and `pttl` (PEXPIRE, PTTL), and what an expired key is to every other command. */
export const expiryCases: CaseGroup = {
  group: 'expiry',
  cases: [
    {
      title:
        'pexpire sets or replaces the TTL (ms) of a live string or hash and ' +
        'answers true; for a missing key it answers false and creates nothing',
      async run(scope) {
        const driver = await scope.driver();
        const [text, hash, missing] = ['text', 'hash', 'missing'].map((name) => scope.key(name));
        assert.equal(await driver.pexpire(missing, 60_000), false, 'pexpire of a missing key');
        assert.equal(await driver.pttl(missing), -2, 'pexpire must not create a missing key');
        await driver.set(text, 'v');
        assert.equal(await driver.pexpire(text, 60_000), true, 'pexpire of a string');
        assertTtl(await driver.pttl(text), 60_000, 'pttl after pexpire 60 000 ms');
        assert.equal(await driver.pexpire(text, HOUR), true, 'pexpire again, longer');
        const replaced = await driver.pttl(text);
        assert.ok(
          replaced > 60_000 && replaced <= HOUR,
          `pexpire must replace the TTL: expected (60 000, ${HOUR}] ms, got ${replaced}`,
        );
        await driver.setHash(hash, { f: '1' });
        assert.equal(await driver.pexpire(hash, 60_000), true, 'pexpire of a hash');
        assertTtl(await driver.pttl(hash), 60_000, 'pttl of a hash after pexpire 60 000 ms');
        assert.equal(await driver.get(text, rawValue), 'v', 'pexpire must leave the value');
      },
    },
    {
      title:
        'pttl answers -2 for a missing key, -1 without ' +
        'expiry; an expired key is missing to every command',
      async run(scope) {
        const driver = await scope.driver();
        const [forever, fleeting] = ['forever', 'fleeting'].map((name) => scope.key(name));
        assert.equal(await driver.pttl(scope.key('missing')), -2, 'pttl of a missing key');
        await driver.set(forever, 'v');
        assert.equal(await driver.pttl(forever), -1, 'pttl of a key without expiry');
        await driver.set(fleeting, '5');
        await driver.pexpire(fleeting, 30);
        await scope.waitFor(
          async () => (await driver.pttl(fleeting)) === -2,
          'pttl to answer -2 once a 30 ms TTL ran out',
        );
        assert.equal(await driver.get(fleeting, rawValue), null, 'get of an expired key');
        assert.equal(await driver.read(fleeting, rawValue, 'hash'), null, 'read of an expired key');
        assert.equal(await driver.pexpire(fleeting, 60_000), false, 'pexpire of an expired key');
        assert.equal(
          await driver.delete([fleeting]),
          0,
          'delete of an expired key must not count it',
        );
        assert.equal(await driver.incrBy(fleeting, 1), 1, 'incrBy of an expired key starts from 0');
      },
    },
  ],
};
