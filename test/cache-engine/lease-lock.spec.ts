import { LeaseLock } from '../../lib/engine/cache/lease-lock.js';
import { harnessInfo } from '../support/harness-info.js';
import { StoreFixtures } from '../contract/store-fixture.js';
import { sleepUntil, timed } from '../support/timing.js';

/**
 * The lease of the locks below. Renewed every third of it, so the lock survives event-loop stalls
 * of up to about two thirds of it: long enough for a busy CI machine.
 */
const LEASE_MS = 300;

describe.each([
  ['memory', () => ({ driver: 'memory' as const })],
  ['Redis', () => ({ redis: harnessInfo().standaloneUrl })],
])('LeaseLock (%s)', (_name, connection) => {
  const fixtures = new StoreFixtures(connection);
  afterAll(() => fixtures.closeAll());

  it('is exclusive, renews its lease while held, and is released only by its owner', async () => {
    const { driver, prefix } = await fixtures.open();
    const key = `${prefix}__nestjs_store__:l:report`;
    const acquired = await timed(() => LeaseLock.acquire(driver, key, LEASE_MS));
    const lock = acquired.value;
    expect(lock).not.toBeNull();
    expect(await LeaseLock.acquire(driver, key, LEASE_MS)).toBeNull();
    // Unrenewed, the first lease ends by acquired.after + LEASE_MS; held half a lease longer than
    // that (by the clock), the lock is still there: the renewal keeps it.
    await sleepUntil(acquired.after + LEASE_MS + LEASE_MS / 2);
    expect(await driver.pttl(key)).toBeGreaterThan(0);
    expect(await LeaseLock.acquire(driver, key, LEASE_MS)).toBeNull();
    await lock!.release();
    expect(await driver.pttl(key)).toBe(-2);
    const next = await LeaseLock.acquire(driver, key, LEASE_MS);
    expect(next).not.toBeNull();
    // A holder whose lease was taken over cannot release the new owner's lock.
    await driver.delete([key]);
    const thief = await LeaseLock.acquire(driver, key, 5_000);
    await next!.release();
    expect(await driver.pttl(key)).toBeGreaterThan(0);
    await thief!.release();
  });
});
