import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StoreModule, StoreService, type StoreModuleOptions } from '../../lib/index.js';
import type { CompleteDriver } from '../../lib/drivers/store-driver.interface.js';
import { STORE_DRIVER } from '../../lib/nest/store.constants.js';
import { testKeyPrefix } from '../support/key-prefix.js';

/** A booted store: the service, its driver (for writing raw values like a foreign client would) and the app. */
export interface StoreFixture {
  store: StoreService;
  driver: CompleteDriver;
  app: INestApplicationContext;
  /** The unique key prefix this fixture runs under. */
  prefix: string;
}

/** Boots Nest application contexts with `StoreModule.forRoot` and closes all of them at once. */
export class StoreFixtures {
  private readonly apps: INestApplicationContext[] = [];

  constructor(private readonly connection: () => StoreModuleOptions) {}

  /**
   * A fresh store under its own key prefix, so suites sharing a server never see each other's keys
   * (under the run's prefix, which global-teardown clears from a REDIS_URL server).
   */
  async open(overrides: Partial<StoreModuleOptions> = {}): Promise<StoreFixture> {
    const prefix = testKeyPrefix();
    const app = await NestFactory.createApplicationContext(
      StoreModule.forRoot({ ...this.connection(), keyPrefix: prefix, ...overrides }),
      { logger: false },
    );
    this.apps.push(app);
    return {
      store: app.get(StoreService),
      driver: app.get<CompleteDriver>(STORE_DRIVER),
      app,
      prefix,
    };
  }

  /** Closes every app opened so far. */
  async closeAll(): Promise<void> {
    await Promise.all(this.apps.splice(0).map((app) => app.close()));
  }
}

/**
 * For a describe block: opens one store before its tests (handing it to `onOpen`) and closes every
 * store `fixtures` opened after them.
 */
export function openForSuite(
  fixtures: StoreFixtures,
  onOpen: (fixture: StoreFixture) => void,
): void {
  beforeAll(async () => onOpen(await fixtures.open()));
  afterAll(() => fixtures.closeAll());
}

/**
 * PUBLISH's receiver count as an expectation: exact, or any number where the server only counts
 * its own node's subscribers (classic pub/sub on a Cluster).
 */
export function receiverCount(nodeLocal: boolean | undefined): (count: number) => unknown {
  return (count) => (nodeLocal ? expect.any(Number) : count);
}

export { sleep, waitFor } from '../support/timing.js';
