import type {
  BeforeApplicationShutdown,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import type { CompleteDriver } from './drivers/store-driver.interface.js';
import type { StoreContext } from './engine/store-context.js';
import { StoreConnectionError } from './errors/store.errors.js';

/**
 * Starts the L1 invalidation bus (when L1 is configured) before the application serves, and shuts
 * the store down in two steps:
 * - before Nest closes the HTTP server, every channel, pattern and stream Observable completes, so
 *   an open Server-Sent Events response ends instead of holding `app.close()` (and SIGTERM)
 *   forever;
 * - once the server is closed, writes of several steps and cache loads under way get up to
 *   `commandTimeout` to finish, load leases still held are released (no other instance waits one
 *   out), and the driver closes after its in-flight commands. Clients passed in by the user
 *   (`redis: { client }`) are left open.
 */
export class StoreLifecycle
  implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown
{
  constructor(private readonly context: StoreContext) {}

  /**
   * Nest hook: waits for the connection when `waitForConnection` asks for it, then subscribes the
   * L1 bus, so no invalidation is missed once the app serves (without Redis, L1 stays off until
   * the bus is listening).
   */
  async onModuleInit(): Promise<void> {
    const { waitForConnectionMs } = this.context.options;
    if (waitForConnectionMs !== null) {
      // A failed start runs no shutdown hook: close what was opened rather than reconnect forever.
      await connected(this.context.driver, waitForConnectionMs).catch(async (error: unknown) => {
        await this.context.driver.close();
        throw error;
      });
    }
    await this.context.bus?.start();
  }

  /**
   * Nest hook, before the HTTP server closes: completes the Observables that may hold responses
   * open.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.context.channels.close();
    await this.context.driver.streams.close();
  }

  /** Nest hook: lets work under way finish, releases leases, closes what the module opened. */
  async onApplicationShutdown(): Promise<void> {
    const { context } = this;
    await context.channels.close();
    await context.writes.settle(context.options.commandTimeout, [
      ...context.flights.values(),
      ...context.refreshes.values(),
    ]);
    await Promise.all([...context.leases].map((lease) => lease.release()));
    context.evictions.close();
    await context.bus?.stop();
    await context.driver.close();
    context.stats.close();
  }
}

/** Resolves once `driver` is connected; rejects with `StoreConnectionError` after `timeoutMs`. */
function connected(driver: CompleteDriver, timeoutMs: number): Promise<void> {
  if (driver.connectionState() === 'connected') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const stop = driver.onConnectionState((state) => {
      if (state !== 'connected') return;
      finish();
      resolve();
    });
    const timer = setTimeout(() => {
      finish();
      const cause = new Error(`not connected within ${timeoutMs} ms (waitForConnection)`);
      reject(new StoreConnectionError('bootstrap', cause));
    }, timeoutMs);
    const finish = () => {
      stop();
      clearTimeout(timer);
    };
  });
}
