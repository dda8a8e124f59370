import type { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { messageOf } from '../../errors/store.errors.js';
import type { ConnectionBreaker } from './connection-breaker.js';

/** While Redis stays away, how often a line says it still is. */
const STILL_AWAY_LOG_INTERVAL_MS = 60_000;

/**
 * Logs a connection's outages, not its every event, so an outage of minutes writes a handful of
 * lines: one when the connection is lost (or not available at start-up) with the error, one each
 * minute while it stays away, one when its circuit breaker opens, and one when it is back, with
 * how long it was away. Returns a function that removes the listeners.
 */
export function logConnectionState(
  client: Redis | Cluster,
  role: string,
  logger: Logger,
  breaker: ConnectionBreaker | null = null,
): () => void {
  let everReady = false;
  let awaySince: number | null = null;
  let lastError = '';
  let lastLineAt = 0;
  const away = (line: string) => {
    lastLineAt = Date.now();
    logger.warn(line);
  };
  const listeners: Record<string, (...args: unknown[]) => void> = {
    ready: () => {
      if (awaySince !== null)
        logger.log(`Redis ${role} connection back after ${seconds(Date.now() - awaySince)}`);
      else if (!everReady) logger.log(`Redis ${role} connection ready`);
      everReady = true;
      awaySince = null;
    },
    error: (error) => {
      lastError = messageOf(error);
      if (awaySince === null) {
        awaySince = Date.now();
        away(
          everReady
            ? `Redis ${role} connection lost (${lastError}); reconnecting`
            : `Redis ${role} connection not available yet (${lastError}); retrying`,
        );
      } else if (Date.now() - lastLineAt >= STILL_AWAY_LOG_INTERVAL_MS) {
        const length = seconds(Date.now() - awaySince);
        away(`Redis ${role} connection still away after ${length} (${lastError})`);
      }
    },
    reconnecting: () => {
      // A connection closed without an error (the server shut down) is lost all the same.
      if (awaySince !== null) return;
      awaySince = Date.now();
      away(`Redis ${role} connection lost; reconnecting`);
    },
    end: () => logger.log(`Redis ${role} connection closed`),
  };
  for (const [event, listener] of Object.entries(listeners)) client.on(event, listener);
  let breakerWas = breaker?.state;
  const stopBreaker = breaker?.onChange((state) => {
    // Each failed probe reopens it (half-open, then open): only the first opening is news.
    if (state === 'open' && breakerWas === 'closed')
      logger.warn(
        `Redis ${role} circuit breaker open: calls fail at once until a reconnect attempt succeeds`,
      );
    breakerWas = state;
  });
  return () => {
    for (const [event, listener] of Object.entries(listeners)) client.off(event, listener);
    stopBreaker?.();
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
