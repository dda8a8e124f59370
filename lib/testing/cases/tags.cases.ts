import assert from 'node:assert/strict';
import type { CaseGroup } from '../case-definition.js';
import { assertTtl } from '../checks.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

function assertToken(token: unknown, what: string): asserts token is string {
  assert.ok(
    typeof token === 'string' && token.length > 0,
    `${what}: expected a non-empty token, got ${String(token)}`,
  );
}

/** `ensureTags`, `readTags`, `bumpTags`: the version tokens tag invalidation rests on. */
export const tagCases: CaseGroup = {
  group: 'tags',
  capability: 'tags',
  cases: [
    {
      title:
        'ensureTags creates missing tags with fresh, distinct tokens and returns ' +
        'existing ones unchanged; readTags reads them (null when missing)',
      async run(scope) {
        const driver = await scope.driver();
        const [one, two, missing] = ['t:1', 't:2', 't:missing'].map((name) => scope.key(name));
        const [first, second] = await driver.ensureTags([one, two], undefined);
        assertToken(first, 'the token ensureTags created');
        assertToken(second, 'the token ensureTags created');
        assert.notEqual(first, second, 'two new tags must get different tokens');
        assert.deepEqual(
          await driver.ensureTags([two, one], undefined),
          [second, first],
          'ensureTags of existing tags',
        );
        assert.deepEqual(
          await driver.readTags([one, missing, two]),
          [first, null, second],
          'readTags',
        );
        await driver.delete([one]);
        const [recreated] = await driver.ensureTags([one], undefined);
        assertToken(recreated, 'the token of a recreated tag');
        assert.notEqual(
          recreated,
          first,
          'a tag created again (after it was deleted or expired) must ' +
            'get a new token, or old entries would count as current',
        );
      },
    },
    {
      title:
        'bumpTags gives each existing tag a new token ' +
        'and keeps its TTL; a missing tag stays missing',
      async run(scope) {
        const driver = await scope.driver();
        const [expiring, lasting, missing] = ['t:expiring', 't:lasting', 't:missing'].map((name) =>
          scope.key(name),
        );
        const [before] = await driver.ensureTags([expiring], HOUR);
        const [lastingBefore] = await driver.ensureTags([lasting], undefined);
        await driver.bumpTags([expiring, lasting, missing]);
        const [after, lastingAfter, stillMissing] = await driver.readTags([
          expiring,
          lasting,
          missing,
        ]);
        assertToken(after, 'the bumped token');
        assertToken(lastingAfter, 'the bumped token');
        assert.notEqual(after, before, 'bumpTags must replace the token');
        assert.notEqual(lastingAfter, lastingBefore, 'bumpTags must replace the token');
        assert.notEqual(after, lastingAfter, 'bumped tags must get tokens of their own');
        assert.equal(stillMissing, null, 'bumpTags must not create a missing tag');
        assert.equal(await driver.pttl(missing), -2, 'bumpTags must not create a missing tag');
        assertTtl(await driver.pttl(expiring), HOUR, 'bumpTags must keep the TTL');
        assert.equal(await driver.pttl(lasting), -1, 'bumpTags must not give a tag a TTL');
        await driver.bumpTags([expiring]);
        assert.notEqual(
          (await driver.readTags([expiring]))[0],
          after,
          'every bump must give a new token',
        );
      },
    },
    {
      title:
        'ensureTags makes a tag live at least ttlMs: created with it, a shorter TTL ' +
        'stretched, a longer one kept, the expiry removed when ttlMs is undefined',
      async run(scope) {
        const driver = await scope.driver();
        const tag = scope.key('t');
        const [token] = await driver.ensureTags([tag], MINUTE);
        assertTtl(await driver.pttl(tag), MINUTE, 'a tag created with 60 000 ms');
        await driver.ensureTags([tag], HOUR);
        const stretched = await driver.pttl(tag);
        assert.ok(
          stretched > MINUTE && stretched <= HOUR,
          `ensureTags must stretch a shorter TTL: expected (60 000, ${HOUR}] ms, got ${stretched}`,
        );
        await driver.ensureTags([tag], MINUTE);
        const kept = await driver.pttl(tag);
        assert.ok(
          kept > MINUTE,
          `ensureTags must never shorten a TTL: expected more than 60 000 ms, got ${kept}`,
        );
        await driver.ensureTags([tag], undefined);
        assert.equal(await driver.pttl(tag), -1, 'ensureTags without ttlMs must remove the expiry');
        await driver.ensureTags([tag], MINUTE);
        assert.equal(await driver.pttl(tag), -1, 'a tag without expiry must keep none');
        assert.deepEqual(
          await driver.readTags([tag]),
          [token],
          'ensureTags must never change an existing token',
        );
      },
    },
  ],
};
