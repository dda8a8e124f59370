import assert from 'node:assert/strict';
import { escapeGlob } from '../common/glob.js';
import type {
  DriverCapability,
  RateLimitKeys,
  StoreDriver,
} from '../drivers/store-driver.interface.js';
import type { DriverContractOptions } from './contract.types.js';
import { waitFor, within } from './wait-for.js';

/** The options of a contract run with every default filled in. */
export interface ContractSettings {
  createDriver: DriverContractOptions['createDriver'];
  nodeLocalPublishCount: boolean;
  timeoutMs: number;
  clockToleranceMs: number;
  writeOtherType: DriverContractOptions['writeOtherType'];
  capabilities: ReadonlySet<DriverCapability>;
}

/**
 * What one case works with: drivers it opens (all closed when the case ends), names under a
 * prefix of its own, and the run's deadlines.
 */
export class ContractScope {
  private readonly opened: StoreDriver[] = [];
  private readonly closed = new Set<StoreDriver>();

  constructor(
    readonly settings: ContractSettings,
    /** What every name of this case starts with. */
    readonly prefix: string,
  ) {}

  /**
   * A new driver from the factory, closed when the case ends unless the case closed it. Typed with
   * every capability: a case runs only for the capabilities the run declares, and the
   * `capabilities` case checks that the driver has exactly those.
   */
  async driver(): Promise<Required<StoreDriver>> {
    const driver = await this.settings.createDriver();
    this.opened.push(driver);
    return driver as Required<StoreDriver>;
  }

  /** Closes `driver` now (the case checks what closing does). */
  async close(driver: StoreDriver): Promise<void> {
    this.closed.add(driver);
    await driver.close();
  }

  /** The full name (key, channel or stream) `name` under this case's prefix. */
  key(name: string): string {
    return this.prefix + name;
  }

  /**
   * A Redis glob matching `glob` under this case's prefix (the prefix itself matched literally).
   */
  glob(glob: string, under = ''): string {
    return escapeGlob(this.prefix + under) + glob;
  }

  /** Two keys sharing a hash tag (one Cluster slot), as rate-limit checks get them. */
  rateLimitKeys(id: string): RateLimitKeys {
    return { state: `${this.prefix}rl:{${id}}:state`, block: `${this.prefix}rl:{${id}}:block` };
  }

  /** `waitFor` with the run's deadline. */
  waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
    return waitFor(condition, what, this.settings.timeoutMs);
  }

  /** `within` with the run's deadline. */
  within<T>(promise: Promise<T>, what: string): Promise<T> {
    return within(promise, what, this.settings.timeoutMs);
  }

  /** Checks a `publish` receiver count, unless the backend counts only one node's subscribers. */
  receivers(count: number, expected: number, what: string): void {
    assert.equal(typeof count, 'number', `${what}: publish must resolve to a number`);
    if (!this.settings.nodeLocalPublishCount)
      assert.equal(count, expected, `${what}: publish must count the receiving subscriptions`);
  }

  /**
   * Removes the case's keys (so a shared server does not fill up) and closes every driver the case
   * left open. Removing is best effort: a driver under test may fail at it, and that must not hide
   * the case's own outcome.
   */
  async dispose(): Promise<void> {
    const open = this.opened.filter((driver) => !this.closed.has(driver));
    const usedAny = this.opened.length > 0;
    this.opened.length = 0;
    if (usedAny) await this.removeKeys(open[0]);
    await Promise.all(open.map((driver) => driver.close()));
  }

  /**
   * Deletes every key under the prefix through `driver` or, when the case closed all of its own, a
   * driver made for it.
   */
  private async removeKeys(driver: StoreDriver | undefined): Promise<void> {
    try {
      const cleaner = driver ?? (await this.settings.createDriver());
      try {
        await cleaner.deleteByPattern(`${escapeGlob(this.prefix)}*`, `${this.prefix}\u0000`);
      } finally {
        if (cleaner !== driver) await cleaner.close();
      }
    } catch {
      // Best effort (see dispose).
    }
  }
}
