import type { Logger } from '@nestjs/common';

/** How often (at most) one kind of warning of one stream reader is logged. */
const WARN_INTERVAL_MS = 10_000;

/**
 * The log of one stream reader (a consumer or a replay). Each kind of warning is logged at most
 * once per interval, with how many were held back since: a Redis outage or a flood of unreadable
 * entries cannot flood the log.
 */
export class StreamLog {
  private readonly lastWarnings = new Map<string, { at: number; heldBack: number }>();

  constructor(
    private readonly logger: Pick<Logger, 'warn' | 'log'>,
    /** Names the reader in every line, e.g. `Stream "orders" (group "billing", consumer "a")`. */
    private readonly subject: string,
  ) {}

  /** Logs `message` under `kind`, unless that kind was logged less than an interval ago. */
  warn(kind: string, message: string, now = Date.now()): void {
    const last = this.lastWarnings.get(kind);
    if (last && now - last.at < WARN_INTERVAL_MS) {
      last.heldBack += 1;
      return;
    }
    const since =
      last && last.heldBack > 0 ? ` (${last.heldBack} similar since the last warning)` : '';
    this.lastWarnings.set(kind, { at: now, heldBack: 0 });
    this.logger.warn(`${this.subject}: ${message}${since}`);
  }

  /** Logs an event worth knowing once (not rate-limited). */
  info(message: string): void {
    this.logger.log(`${this.subject}: ${message}`);
  }
}
