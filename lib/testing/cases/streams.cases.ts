import assert from 'node:assert/strict';
import type {
  RawDelivery,
  RawStreamEntry,
  StreamDriver,
  StreamReader,
} from '../../drivers/stream-driver.interface.js';
import type { CaseGroup } from '../case-definition.js';
import { describeError, rejectsWithCommandError } from '../checks.js';
import type { ContractScope } from '../contract-scope.js';

/** Longest blocking read the cases' readers allow. */
const MAX_BLOCK_MS = 60_000;
/** A read that must answer at once when nothing is there (BLOCK 0 would wait forever). */
const NO_WAIT_MS = 1;
const STREAM_ID = /^\d+-\d+$/;

/** `-1`, `0` or `1` as stream id `a` comes before, is, or comes after `b`. */
function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(BigInt);
  const [bMs, bSeq] = b.split('-').map(BigInt);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1;
}

/** Appends `count` entries `n=<i>` and resolves to their ids. */
async function addEntries(
  streams: StreamDriver,
  key: string,
  count: number,
  maxLen?: number,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await streams.add(key, ['n', String(i)], maxLen));
  return ids;
}

/** A reader that the case's end closes, whatever happens. */
function openReader(streams: StreamDriver): StreamReader {
  const reader = streams.openReader(MAX_BLOCK_MS);
  assert.ok(reader !== null, 'openReader of an open driver must return a reader');
  return reader;
}

const ids = (entries: RawStreamEntry[]) => entries.map((entry) => entry.id);
const counts = (deliveries: RawDelivery[]) => deliveries.map((delivery) => delivery.deliveryCount);

/** Asserts that a read under way ended (rejected, or resolved empty) once its reader closed. */
async function assertReadEnded(
  scope: ContractScope,
  read: Promise<RawDelivery[]>,
  what: string,
): Promise<void> {
  const outcome = await scope.within(
    read.then(
      (deliveries) => deliveries,
      (error: unknown) => error,
    ),
    `${what} to end`,
  );
  if (Array.isArray(outcome))
    assert.deepEqual(outcome, [], `${what}: a read ended by a close may only resolve empty`);
  else
    assert.ok(
      outcome instanceof Error,
      `${what}: expected an Error, got ${describeError(outcome)}`,
    );
}

/**
 * Asserts that `promise` rejects with the error `isMissingGroup` recognises: a `StoreCommandError`
 * whose `replyCode` is NOGROUP.
 */
function rejectsWithNoGroup(promise: Promise<unknown>, what: string): Promise<void> {
  return rejectsWithCommandError(promise, what, 'NOGROUP');
}

/** `streams`: XADD, XRANGE, consumer groups, blocking readers and the NOGROUP refusals. */
export const streamCases: CaseGroup = {
  group: 'streams',
  capability: 'streams',
  cases: [
    {
      title:
        'add resolves to increasing ids; range reads entries in order between ' +
        'inclusive, exclusive ("(id") and millisecond bounds, at most count of them',
      async run(scope) {
        const { streams } = await scope.driver();
        const key = scope.key('s');
        const added = await addEntries(streams, key, 5);
        added.forEach((id, i) => {
          assert.match(id, STREAM_ID, `id #${i}`);
          if (i > 0)
            assert.equal(
              compareIds(added[i - 1], id),
              -1,
              `id #${i} (${id}) must come after id #${i - 1} (${added[i - 1]})`,
            );
        });
        const all = await streams.range(key, '-', '+', 100);
        assert.deepEqual(
          all,
          added.map((id, i) => ({ id, fields: ['n', String(i)] })),
          'range - +',
        );
        assert.deepEqual(
          ids(await streams.range(key, added[1], added[3], 100)),
          added.slice(1, 4),
          'range between two ids',
        );
        assert.deepEqual(
          ids(await streams.range(key, `(${added[1]}`, '+', 100)),
          added.slice(2),
          'range from an exclusive id',
        );
        assert.deepEqual(
          ids(await streams.range(key, '-', '+', 2)),
          added.slice(0, 2),
          'range with count 2',
        );
        const [firstMs] = added[0].split('-');
        const [lastMs] = added[4].split('-');
        assert.deepEqual(
          ids(await streams.range(key, firstMs, lastMs, 100)),
          added,
          'range between millisecond bounds (the end bound takes its whole millisecond)',
        );
        assert.deepEqual(
          await streams.range(scope.key('missing'), '-', '+', 100),
          [],
          'range of a missing stream',
        );
        const odd = scope.key('odd');
        const id = await streams.add(odd, ['empty', '', 'ü ✓', '漢字 🎉'], undefined);
        assert.deepEqual(
          await streams.range(odd, '-', '+', 10),
          [{ id, fields: ['empty', '', 'ü ✓', '漢字 🎉'] }],
          'fields round-trip',
        );
      },
    },
    {
      title:
        'add with maxLen keeps at least the newest maxLen entries (trimming may be approximate)',
      async run(scope) {
        const { streams } = await scope.driver();
        const key = scope.key('s');
        const added = await addEntries(streams, key, 20, 5);
        const kept = ids(await streams.range(key, '-', '+', 100));
        assert.ok(kept.length >= 5, `at least 5 entries must be kept, got ${kept.length}`);
        assert.deepEqual(
          kept,
          added.slice(added.length - kept.length),
          'the kept entries must be the newest',
        );
      },
    },
    {
      title:
        'createGroup creates a missing stream, leaves an existing group as ' +
        'it is, and starts at "$" (after the last entry) or "0" (the first)',
      async run(scope) {
        const { streams } = await scope.driver();
        const reader = openReader(streams);
        const fresh = scope.key('fresh');
        await streams.createGroup(fresh, 'g', '$');
        assert.deepEqual(
          await streams.range(fresh, '-', '+', 10),
          [],
          'the stream createGroup made',
        );
        assert.deepEqual(
          await reader.readNew(fresh, 'g', 'c', 10, NO_WAIT_MS),
          [],
          'a read of the new group',
        );
        const key = scope.key('s');
        const added = await addEntries(streams, key, 2);
        await streams.createGroup(key, 'late', '$');
        await streams.createGroup(key, 'all', '0');
        const [third] = await addEntries(streams, key, 1);
        assert.deepEqual(
          ids(await reader.readNew(key, 'late', 'c', 10, NO_WAIT_MS)),
          [third],
          "a group created at '$'",
        );
        assert.deepEqual(
          ids(await reader.readNew(key, 'all', 'c', 1, NO_WAIT_MS)),
          [added[0]],
          "a group created at '0' (count 1)",
        );
        await streams.createGroup(key, 'all', '0');
        assert.deepEqual(
          ids(await reader.readNew(key, 'all', 'c', 10, NO_WAIT_MS)),
          [added[1], third],
          'createGroup of an existing group must leave it as it was',
        );
        reader.close();
      },
    },
    {
      title:
        'a reader delivers each new entry to the group once (deliveryCount 1), ' +
        'answers [] after blockMs when there is none, and wakes up for an add',
      async run(scope) {
        const { streams } = await scope.driver();
        const key = scope.key('s');
        await streams.createGroup(key, 'g', '$');
        const [reader, other] = [openReader(streams), openReader(streams)];
        assert.deepEqual(
          await reader.readNew(key, 'g', 'c1', 10, NO_WAIT_MS),
          [],
          'a read with nothing new',
        );
        // Blocks for up to a minute: a reader that did not wake for the add would fail by the
        // deadline or answer [].
        const waiting = scope.within(
          reader.readNew(key, 'g', 'c1', 10, MAX_BLOCK_MS),
          'a blocked read to wake up for an add',
        );
        const id = await streams.add(key, ['a', '1'], undefined);
        assert.deepEqual(
          await waiting,
          [{ id, fields: ['a', '1'], deliveryCount: 1 }],
          'the blocked read',
        );
        assert.deepEqual(
          await other.readNew(key, 'g', 'c2', 10, NO_WAIT_MS),
          [],
          'an entry is delivered to a group once',
        );
        reader.close();
        other.close();
      },
    },
    {
      title:
        "readPending delivers again a consumer's own unacknowledged entries " +
        'after an id, counting each delivery; ack removes them and counts them',
      async run(scope) {
        const { streams } = await scope.driver();
        const key = scope.key('s');
        const reader = openReader(streams);
        await streams.createGroup(key, 'g', '0');
        const [first, second, third] = await addEntries(streams, key, 3);
        assert.deepEqual(
          counts(await reader.readNew(key, 'g', 'c1', 2, NO_WAIT_MS)),
          [1, 1],
          'the first delivery',
        );
        const again = await streams.readPending(key, 'g', 'c1', '0', 10);
        assert.deepEqual(
          again,
          [
            { id: first, fields: ['n', '0'], deliveryCount: 2 },
            { id: second, fields: ['n', '1'], deliveryCount: 2 },
          ],
          "readPending of c1's entries",
        );
        assert.deepEqual(
          await streams.readPending(key, 'g', 'c1', first, 10),
          [{ id: second, fields: ['n', '1'], deliveryCount: 3 }],
          'readPending after an id',
        );
        assert.deepEqual(
          await streams.readPending(key, 'g', 'c2', '0', 10),
          [],
          'readPending of a consumer with nothing pending',
        );
        assert.equal(
          await streams.ack(key, 'g', [first, third]),
          1,
          'ack counts only pending entries (the third was never delivered)',
        );
        assert.equal(await streams.ack(key, 'g', [first]), 0, 'ack of an acknowledged entry');
        assert.deepEqual(
          ids(await streams.readPending(key, 'g', 'c1', '0', 10)),
          [second],
          'readPending after the ack',
        );
        reader.close();
      },
    },
    {
      title:
        'claimIdle hands entries idle at least minIdleMs to another consumer, page by page ' +
        "through its cursor; renew keeps only the owner's entries and counts no delivery",
      async run(scope) {
        const { streams } = await scope.driver();
        const key = scope.key('s');
        const reader = openReader(streams);
        await streams.createGroup(key, 'g', '0');
        const [first, second] = await addEntries(streams, key, 2);
        await reader.readNew(key, 'g', 'c1', 10, NO_WAIT_MS);
        const early = await streams.claimIdle(key, 'g', 'c2', 3_600_000, '0-0', 10);
        assert.deepEqual(
          early,
          { cursor: '0-0', claimed: [], deleted: [] },
          'entries delivered just now are not idle for an hour',
        );
        await streams.renew(key, 'g', 'c1', [first, second]);
        const page = await streams.claimIdle(key, 'g', 'c2', 0, '0-0', 1);
        assert.deepEqual(
          page.claimed,
          [{ id: first, fields: ['n', '0'], deliveryCount: 2 }],
          'the first page (renew must not have counted a delivery)',
        );
        assert.notEqual(page.cursor, '0-0', 'the cursor after a page that left entries behind');
        const rest = await streams.claimIdle(key, 'g', 'c2', 0, page.cursor, 10);
        assert.deepEqual(
          rest,
          {
            cursor: '0-0',
            claimed: [{ id: second, fields: ['n', '1'], deliveryCount: 2 }],
            deleted: [],
          },
          'the last page',
        );
        await streams.renew(key, 'g', 'c1', [first]);
        assert.deepEqual(
          await streams.readPending(key, 'g', 'c1', '0', 10),
          [],
          'renew must not take entries back from their new owner',
        );
        assert.deepEqual(
          ids(await streams.readPending(key, 'g', 'c2', '0', 10)),
          [first, second],
          "the new owner's pending entries",
        );
        reader.close();
      },
    },
    {
      title:
        'reads, claims and renewals on a missing stream or group ' +
        'reject with StoreCommandError (NOGROUP); ack answers 0',
      async run(scope) {
        const { streams } = await scope.driver();
        const reader = openReader(streams);
        const missing = scope.key('missing');
        const groupless = scope.key('groupless');
        await streams.add(groupless, ['a', '1'], undefined);
        for (const [key, what] of [
          [missing, 'a missing stream'],
          [groupless, 'a missing group'],
        ]) {
          await rejectsWithNoGroup(
            streams.readPending(key, 'g', 'c', '0', 10),
            `readPending on ${what}`,
          );
          await rejectsWithNoGroup(
            streams.claimIdle(key, 'g', 'c', 0, '0-0', 10),
            `claimIdle on ${what}`,
          );
          await rejectsWithNoGroup(streams.renew(key, 'g', 'c', ['1-0']), `renew on ${what}`);
          await rejectsWithNoGroup(
            reader.readNew(key, 'g', 'c', 10, NO_WAIT_MS),
            `reader.readNew on ${what}`,
          );
          assert.equal(await streams.ack(key, 'g', ['1-0']), 0, `ack on ${what}`);
        }
        await streams.renew(missing, 'g', 'c', []);
        reader.close();
      },
    },
    {
      title:
        'closing a reader ends a read under way and resolves closed; the ' +
        'driver closing closes every reader, and openReader then answers null',
      async run(scope) {
        const driver = await scope.driver();
        const key = scope.key('s');
        await driver.streams.createGroup(key, 'g', '$');
        const reader = openReader(driver.streams);
        const read = reader.readNew(key, 'g', 'c1', 10, MAX_BLOCK_MS);
        reader.close();
        await scope.within(reader.closed, 'closed to resolve after close()');
        await assertReadEnded(scope, read, 'a read under way when its reader closed');
        const left = openReader(driver.streams);
        const leftRead = left.readNew(key, 'g', 'c2', 10, MAX_BLOCK_MS);
        await scope.close(driver);
        await scope.within(
          left.closed,
          "an open reader's closed to resolve when the driver closes",
        );
        await assertReadEnded(scope, leftRead, 'a read under way when the driver closed');
        assert.equal(
          driver.streams.openReader(MAX_BLOCK_MS),
          null,
          'openReader after the driver closed',
        );
      },
    },
  ],
};
