import type { Logger } from '@nestjs/common';

/** How often (at most) one channel's unreadable messages are logged. */
const LOG_INTERVAL_MS = 10_000;
/**
 * Channels tracked at most: a pattern can match any number of channels, and junk must not grow
 * memory.
 */
const MAX_CHANNELS = 10_000;

/**
 * Counts messages that could not be deserialized (published by some other client, or by an app
 * with another serializer), per channel, and logs them at most once per channel per interval with
 * the number skipped since, so a flood of foreign messages cannot flood the log.
 */
export class MalformedMessages {
  private readonly counts = new Map<string, number>();
  private readonly logged = new Map<string, { at: number; skippedSince: number }>();

  constructor(private readonly logger: Pick<Logger, 'warn'>) {}

  /** Records one unreadable message on `channel` (the user-facing name). */
  record(channel: string, reason: string, now = Date.now()): void {
    if (!this.counts.has(channel) && this.counts.size >= MAX_CHANNELS) this.forgetOldest();
    this.counts.set(channel, (this.counts.get(channel) ?? 0) + 1);
    const last = this.logged.get(channel);
    if (last && now - last.at < LOG_INTERVAL_MS) {
      last.skippedSince++;
      return;
    }
    const more =
      last && last.skippedSince > 0 ? ` (${last.skippedSince} more since the last warning)` : '';
    this.logged.set(channel, { at: now, skippedSince: 0 });
    this.logger.warn(
      `Skipped a message on channel "${channel}" that could not be deserialized: ${reason}${more}`,
    );
  }

  private forgetOldest(): void {
    const oldest = this.counts.keys().next().value!;
    this.counts.delete(oldest);
    this.logged.delete(oldest);
  }

  /**
   * Unreadable messages skipped on `channel` so far (channels beyond the 10,000 most recent are
   * forgotten).
   */
  count(channel: string): number {
    return this.counts.get(channel) ?? 0;
  }
}
