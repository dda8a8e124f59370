import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { StoreContext } from './store-context.js';
import { STORE_CONTEXT } from './store.constants.js';

/**
 * Starts the L1 invalidation bus (when L1 is configured) before the application serves, and closes
 * the driver when it shuts down: after every provider's `onModuleDestroy` (which may still use the
 * store), in-flight commands finish first. Clients passed in by the user (`redis: { client }`) are
 * left open.
 */
@Injectable()
export class StoreLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(STORE_CONTEXT) private readonly context: StoreContext) {}

  /** Nest hook: subscribes the L1 bus, so no invalidation is missed once the app serves. */
  async onModuleInit(): Promise<void> {
    await this.context.bus?.start();
  }

  /** Nest hook: closes what the module opened. */
  async onApplicationShutdown(): Promise<void> {
    await this.context.channels.close();
    await this.context.bus?.stop();
    await this.context.driver.close();
  }
}
