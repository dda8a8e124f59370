import type { Cluster, Redis } from 'ioredis';
import { messageOf } from '../../errors/store.errors.js';
import type { ConnectionProbe } from '../store-driver.interface.js';
import type { ConnectionBreaker } from './connection-breaker.js';

/**
 * PINGs one connection for a health probe, timing the round trip. An open breaker answers for it
 * at once; otherwise the PING is bounded like any command (`commandTimeout`).
 */
export async function pingProbe(
  connection: string,
  client: Redis | Cluster,
  breaker: ConnectionBreaker | null,
): Promise<ConnectionProbe> {
  const breakerState = breaker ? { breaker: breaker.state } : {};
  if (breaker?.isOpen)
    return { connection, ok: false, error: 'circuit breaker open', ...breakerState };
  const started = performance.now();
  try {
    await client.ping();
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    return { connection, ok: true, latencyMs, ...breakerState };
  } catch (error) {
    return { connection, ok: false, error: messageOf(error), ...breakerState };
  }
}
