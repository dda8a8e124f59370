import { Observable, type Subscriber } from 'rxjs';
import {
  isMissingGroup,
  type RawDelivery,
  type StreamReader,
} from '../../../drivers/stream-driver.interface.js';
import {
  messageOf,
  StoreCommandError,
  StoreConnectionError,
  StoreError,
} from '../../../errors/store.errors.js';
import type { ResolvedStreamOptions } from './stream-options.js';
import { decodeStreamMessage, type StreamSource } from './stream-source.js';
import { StreamLog } from './stream-log.js';
import type { StreamMessage, StreamStart } from './stream.interfaces.js';
import {
  publishStreamAcked,
  publishStreamClaimed,
  publishStreamDelivered,
} from '../../../telemetry/stream.telemetry.js';

/**
 * Bounds of the time between two maintenance rounds (lease renewal, then claiming idle messages).
 */
const MIN_MAINTENANCE_MS = 10;
const MAX_MAINTENANCE_MS = 10_000;
/** Backoff after failures: doubling from the first, capped. */
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

/**
 * A cold Observable of one consumer of a group: each subscription runs its own read loop on its own
 * blocking connection, and unsubscribing ends the loop and closes that connection.
 */
export function consumeStream<T>(
  source: StreamSource,
  options: ResolvedStreamOptions,
): Observable<StreamMessage<T>> {
  return new Observable<StreamMessage<T>>((subscriber) => {
    const reader = source.driver.openReader(options.blockMs);
    // A closed store has nothing more to deliver.
    if (!reader) return subscriber.complete();
    const consumer = new StreamConsumer<T>(source, options, reader, subscriber);
    void consumer.run();
    return () => consumer.stop();
  });
}

/**
 * The read loop of one subscription. It delivers a message and forgets nothing until the observer
 * calls `ack()`: a source cannot see whether an observer's `next` finished or failed (RxJS 7
 * reports observer errors asynchronously, past the source), so "acknowledged after the handler
 * completes" means the handler acknowledges at its end. At most `batchSize` messages are held
 * unacknowledged. Each turn of the loop:
 *
 * 1. ensures the group exists (XGROUP CREATE ... MKSTREAM; again after NOGROUP, e.g. a restart
 *    without persistence, then from `0` so nothing appended since the loss is missed);
 * 2. when due, renews the hold on the messages it holds (so a slow handler is not taken over) and
 *    claims messages other consumers left idle for `claimIdleMs` (XAUTOCLAIM);
 * 3. delivers its own pending messages from a previous run first (XREADGROUP from id 0), then new
 *    ones (XREADGROUP `>` with BLOCK, on the reader connection).
 *
 * A store failure (connection lost, Redis restarting, a refused command) neither errors nor
 * completes the Observable: it is logged (rate-limited), then the loop backs off and retries. Only
 * what retrying cannot fix errors it: the key holding another type (WRONGTYPE), or a bug. The
 * Observable completes when the store closes.
 */
class StreamConsumer<T> {
  private readonly log: StreamLog;
  /** Ids delivered to the observer and not yet acknowledged. */
  private readonly held = new Set<string>();
  /** Resolvers of the waits under way (the loop's, and acknowledgements' backoffs). */
  private readonly sleepers = new Set<() => void>();
  private readonly maintenanceMs: number;
  private stopped = false;
  private groupStart: StreamStart;
  private groupReady = false;
  /**
   * Where re-reading this consumer's own pending messages continues; `null` once they are all
   * delivered.
   */
  private ownPendingAfter: string | null = '0';
  private claimCursor = '0-0';
  private nextMaintenance = 0;
  private failures = 0;
  private unreadable = 0;

  constructor(
    private readonly source: StreamSource,
    private readonly options: ResolvedStreamOptions,
    private readonly reader: StreamReader,
    private readonly subscriber: Subscriber<StreamMessage<T>>,
  ) {
    this.log = new StreamLog(
      source.logger,
      `Stream "${source.name}" (group "${options.group}", consumer "${options.consumer}")`,
    );
    this.maintenanceMs = Math.min(
      Math.max(Math.floor(options.claimIdleMs / 3), MIN_MAINTENANCE_MS),
      MAX_MAINTENANCE_MS,
    );
    this.groupStart = options.startFrom;
    // The driver closes its readers when the store shuts down: the loop ends with it.
    void this.reader.closed.then(() => this.stop());
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.turn();
        this.recovered();
      } catch (error) {
        await this.failed(error);
      }
    }
    this.subscriber.complete();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.reader.close();
    this.wakeAll();
  }

  private async turn(): Promise<void> {
    const { driver, key } = this.source;
    const { group, consumer, batchSize, blockMs } = this.options;
    if (!this.groupReady) {
      await driver.createGroup(key, group, this.groupStart);
      this.groupReady = true;
    }
    if (Date.now() >= this.nextMaintenance) await this.maintain();
    const room = batchSize - this.held.size;
    if (room <= 0) return this.sleep(this.untilMaintenance());
    if (this.ownPendingAfter !== null) return this.deliverOwnPending(room);
    const fresh = await this.reader.readNew(
      key,
      group,
      consumer,
      room,
      Math.min(blockMs, this.untilMaintenance()),
    );
    this.deliver(fresh);
  }

  /**
   * Renews the hold on held messages, then claims idle ones of other consumers while there is room.
   */
  private async maintain(): Promise<void> {
    const { driver, key } = this.source;
    const { group, consumer, claimIdleMs, batchSize } = this.options;
    this.nextMaintenance = Date.now() + this.maintenanceMs;
    await driver.renew(key, group, consumer, [...this.held]);
    const room = batchSize - this.held.size;
    if (room <= 0) return;
    const claim = await driver.claimIdle(key, group, consumer, claimIdleMs, this.claimCursor, room);
    this.claimCursor = claim.cursor;
    publishStreamClaimed(this.source, this.options, claim.claimed);
    // A full claim may have left more behind: claim again on the next turn.
    if (claim.claimed.length === room && claim.cursor !== '0-0') this.nextMaintenance = Date.now();
    this.deliver(claim.claimed);
  }

  private async deliverOwnPending(room: number): Promise<void> {
    const { driver, key } = this.source;
    const own = await driver.readPending(
      key,
      this.options.group,
      this.options.consumer,
      this.ownPendingAfter ?? '0',
      room,
    );
    this.ownPendingAfter = own.length === 0 ? null : own[own.length - 1].id;
    this.deliver(own);
  }

  private deliver(deliveries: RawDelivery[]): void {
    for (const delivery of deliveries) {
      if (this.stopped) return;
      // Already with the observer (claimed back or re-read): delivering it twice would not help.
      if (this.held.has(delivery.id)) continue;
      if (delivery.fields === null) {
        // Trimmed from the stream while pending: there is nothing left to deliver.
        void this.settle(delivery.id).catch(() => undefined);
        continue;
      }
      const decoded = decodeStreamMessage<T>(this.source, delivery.fields);
      if (!decoded.ok) {
        this.skipUnreadable(delivery.id, decoded.reason);
        continue;
      }
      this.held.add(delivery.id);
      publishStreamDelivered(this.source, this.options, delivery);
      this.subscriber.next(this.message(delivery, decoded.message));
    }
  }

  private message(delivery: RawDelivery, message: T): StreamMessage<T> {
    let acked: Promise<void> | null = null;
    // For `stream.acked`'s heldMs: one clock read per message, on a path of round trips, and no
    // payload.
    const deliveredAt = performance.now();
    return {
      id: delivery.id,
      stream: this.source.name,
      message,
      deliveryCount: delivery.deliveryCount,
      ack: () => {
        // One acknowledgement per message, shared by every call; after a failure a later call tries
        // again.
        acked ??= this.settle(delivery.id).then(
          () => publishStreamAcked(this.source, this.options, delivery, deliveredAt),
          (error: unknown) => {
            acked = null;
            throw error;
          },
        );
        return acked;
      },
    };
  }

  /**
   * An entry the serializer cannot read (appended by another client) would fail the same way on
   * every delivery: it is acknowledged, so it does not come back, and stays in the stream for
   * inspection (XRANGE through `store.client`).
   */
  private skipUnreadable(id: string, reason: string): void {
    this.unreadable += 1;
    this.log.warn(
      'unreadable',
      `skipped and acknowledged entry ${id} that could not be read: ${reason} ` +
        `(${this.unreadable} skipped so far)`,
    );
    void this.settle(id).catch(() => undefined);
  }

  /**
   * XACK; connection failures are retried while the consumer runs, so a handled message is not
   * handled again.
   */
  private async settle(id: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.source.driver.ack(this.source.key, this.options.group, [id]);
        break;
      } catch (error) {
        if (this.stopped || !(error instanceof StoreConnectionError)) throw error;
        await this.sleep(backoffMs(attempt));
      }
    }
    this.held.delete(id);
    // Room for another message: a loop waiting for room goes on at once.
    this.wakeAll();
  }

  private async failed(error: unknown): Promise<void> {
    if (this.stopped) return;
    if (
      !(error instanceof StoreError) ||
      (error instanceof StoreCommandError && error.replyCode === 'WRONGTYPE')
    ) {
      // Not a failure of the moment (a bug, or the key holds something else): retrying would fail
      // forever.
      this.subscriber.error(error);
      this.stop();
      return;
    }
    this.failures += 1;
    if (isMissingGroup(error)) this.groupLost(error);
    else
      this.log.warn(
        'failure',
        `${messageOf(error)}; retrying (${this.failures} failure(s) in a row)`,
      );
    await this.sleep(backoffMs(this.failures));
  }

  /**
   * The stream or group is gone (a restart without persistence, a deleted key): what it had pending
   * went with it.
   */
  private groupLost(error: StoreError): void {
    this.log.warn(
      'group',
      `${messageOf(error)}; creating the group again from the start of the stream`,
    );
    this.groupReady = false;
    this.groupStart = '0';
    this.ownPendingAfter = null;
    this.claimCursor = '0-0';
  }

  private recovered(): void {
    if (this.failures === 0) return;
    this.log.info(`reading again after ${this.failures} failure(s)`);
    this.failures = 0;
  }

  private untilMaintenance(): number {
    // At least 1 ms: BLOCK 0 would wait forever.
    return Math.max(1, this.nextMaintenance - Date.now());
  }

  /** Waits `ms`, or less when woken (an acknowledgement made room, or the consumer stopped). */
  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }
}

function backoffMs(attempt: number): number {
  return Math.min(FIRST_BACKOFF_MS * 2 ** (attempt - 1), MAX_BACKOFF_MS);
}
