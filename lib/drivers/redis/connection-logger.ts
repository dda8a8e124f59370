import type { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';

/** How often the same connection error may be logged again while Redis stays away. */
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * Logs a client's connection state changes (connected, reconnecting, closed) and its errors,
 * at most once per interval while the error repeats, so an outage does not flood the log.
 * Returns a function that removes the listeners (for clients the module does not own).
 */
export function logConnectionState(
  client: Redis | Cluster,
  role: string,
  logger: Logger,
): () => void {
  let lastError = '';
  let lastErrorAt = 0;
  const listeners: Record<string, (...args: unknown[]) => void> = {
    ready: () => {
      lastError = '';
      logger.log(`Redis ${role} connection ready`);
    },
    reconnecting: () => logger.warn(`Redis ${role} connection lost; reconnecting`),
    end: () => logger.log(`Redis ${role} connection closed`),
    error: (error) => {
      const message = error instanceof Error ? error.message : String(error);
      const now = Date.now();
      if (message === lastError && now - lastErrorAt < ERROR_LOG_INTERVAL_MS) return;
      lastError = message;
      lastErrorAt = now;
      logger.error(`Redis ${role} connection error: ${message}`);
    },
  };
  for (const [event, listener] of Object.entries(listeners)) client.on(event, listener);
  return () => {
    for (const [event, listener] of Object.entries(listeners)) client.off(event, listener);
  };
}
