import { LeaseLock } from '../../lib/cache/lease-lock.js';
import { harnessInfo } from '../harness/harness-info.js';
import { StoreFixtures, sleep } from '../contract/store-fixture.js';

describe.each([
  ['memory', () => ({ driver: 'memory' as const })],
  ['Redis', () => ({ redis: harnessInfo().standaloneUrl })],
])('LeaseLock (%s)', (_name, connection) => {
  const fixtures = new StoreFixtures(connection);
  afterAll(() => fixtures.closeAll());

  it('is exclusive, renews its lease while held, and is released only by its owner', async () => {
    const { driver, prefix } = await fixtures.open();
    const key = `${prefix}__nestjs_store__:l:report`;
    const lock = await LeaseLock.acquire(driver, key, 150);
    expect(lock).not.toBeNull();
    expect(await LeaseLock.acquire(driver, key, 150)).toBeNull();
    // Held three leases long: the renewal keeps it.
    await sleep(450);
    expect(await driver.pttl(key)).toBeGreaterThan(0);
    expect(await LeaseLock.acquire(driver, key, 150)).toBeNull();
    await lock!.release();
    expect(await driver.pttl(key)).toBe(-2);
    const next = await LeaseLock.acquire(driver, key, 150);
    expect(next).not.toBeNull();
    // A holder whose lease was taken over cannot release the new owner's lock.
    await driver.delete([key]);
    const thief = await LeaseLock.acquire(driver, key, 5_000);
    await next!.release();
    expect(await driver.pttl(key)).toBeGreaterThan(0);
    await thief!.release();
  });
});
