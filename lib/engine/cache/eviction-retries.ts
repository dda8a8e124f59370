import type { Logger } from '@nestjs/common';
import type { CompleteDriver } from '../../drivers/store-driver.interface.js';
import { StoreConnectionError } from '../../errors/store.errors.js';

/** First and longest wait between retries while the store stays unreachable. */
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;
/** Most evictions kept for a retry; past it the oldest is dropped (and said so). */
const MAX_PENDING = 10_000;

/**
 * `@CacheEvict` work (deletes, tag invalidations, pattern deletes) that failed because the store
 * was unreachable, tried again once it answers: otherwise the evicted entry would be served until
 * its TTL ran out. Retries run when the connection is back and on a backing-off timer; work that
 * fails for any other reason is logged and dropped, as it would fail again.
 */
export class EvictionRetries {
  private pending: Array<() => Promise<unknown>> = [];
  private timer: NodeJS.Timeout | null = null;
  private delayMs = FIRST_DELAY_MS;
  private readonly stopWatching: () => void;
  private closed = false;

  constructor(
    driver: CompleteDriver,
    private readonly logger: Logger,
  ) {
    this.stopWatching = driver.onConnectionState((state) => {
      if (state === 'connected') this.retryNow();
    });
  }

  /** How many evictions are waiting for the store. */
  get size(): number {
    return this.pending.length;
  }

  /** Keeps `work` to run again once the store answers. */
  add(work: () => Promise<unknown>): void {
    if (this.closed) return;
    if (this.pending.length >= MAX_PENDING) {
      this.pending.shift();
      this.logger.warn(
        `More than ${MAX_PENDING} @CacheEvict operations wait for the store: ` +
          'the oldest was dropped',
      );
    }
    this.pending.push(work);
    this.schedule();
  }

  /** Stops retrying; what is still pending is reported, not run. */
  close(): void {
    this.closed = true;
    this.stopWatching();
    if (this.timer) clearTimeout(this.timer);
    if (this.pending.length > 0)
      this.logger.warn(
        `${this.pending.length} @CacheEvict operations could not reach the store before shutdown`,
      );
    this.pending = [];
  }

  private retryNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.delayMs = FIRST_DELAY_MS;
    if (this.pending.length > 0) void this.run();
  }

  private schedule(): void {
    if (this.timer || this.closed || this.pending.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, this.delayMs);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    const batch = this.pending.splice(0);
    const outcomes = await Promise.allSettled(batch.map((work) => work()));
    let stillAway = 0;
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') return;
      if (outcome.reason instanceof StoreConnectionError && !this.closed) {
        stillAway += 1;
        this.pending.push(batch[i]);
      } else
        this.logger.error(
          '@CacheEvict retry failed: ' +
            `${outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)}`,
        );
    });
    if (stillAway === 0 && batch.length > 0)
      this.logger.log(`${batch.length} @CacheEvict operation(s) applied once the store was back`);
    this.delayMs = stillAway > 0 ? Math.min(this.delayMs * 2, MAX_DELAY_MS) : FIRST_DELAY_MS;
    this.schedule();
  }
}
