import type { CompleteDriver } from '../../drivers/store-driver.interface.js';
import { newToken } from '../../common/token.js';

/**
 * A lease lock in Redis (`SET NX PX`): whoever holds it loads, renewing the lease while the loader
 * runs so a slow load is not taken over, and releasing it only if still the owner. If the holder
 * dies, the lease runs out and another instance takes over.
 */
export class LeaseLock {
  private readonly renewal: NodeJS.Timeout;

  private constructor(
    private readonly driver: CompleteDriver,
    private readonly key: string,
    private readonly token: string,
    leaseMs: number,
    private readonly held: Set<LeaseLock>,
  ) {
    held.add(this);
    this.renewal = setInterval(
      () => {
        driver.renewIfOwner(key, token, leaseMs).catch(() => undefined);
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    this.renewal.unref();
  }

  /**
   * The lock, or `null` when another holder has it; while held, it is in `held` (for release at
   * shutdown).
   */
  static async acquire(
    driver: CompleteDriver,
    key: string,
    leaseMs: number,
    held: Set<LeaseLock> = new Set(),
  ): Promise<LeaseLock | null> {
    const token = newToken();
    return (await driver.setIfAbsent(key, token, leaseMs))
      ? new LeaseLock(driver, key, token, leaseMs, held)
      : null;
  }

  /** Releases the lock if this holder still owns it (at most once). */
  async release(): Promise<void> {
    if (!this.held.delete(this)) return;
    clearInterval(this.renewal);
    await this.driver.deleteIfOwner(this.key, this.token).catch(() => undefined);
  }
}
