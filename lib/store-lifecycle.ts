import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { StoreDriver } from './drivers/store-driver.interface.js';
import { STORE_DRIVER } from './store.constants.js';

/**
 * Closes the driver when the application shuts down: after every provider's `onModuleDestroy`
 * (which may still use the store), QUIT lets in-flight commands finish. Clients passed in by the
 * user (`redis: { client }`) are left open.
 */
@Injectable()
export class StoreLifecycle implements OnApplicationShutdown {
  constructor(@Inject(STORE_DRIVER) private readonly driver: StoreDriver) {}

  /** Nest hook: closes what the module opened. */
  async onApplicationShutdown(): Promise<void> {
    await this.driver.close();
  }
}
