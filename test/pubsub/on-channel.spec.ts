import 'reflect-metadata';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { OnChannel, StoreModule, StoreService, type StoreModuleOptions } from '../../lib/index.js';
import { StoreValidationError } from '../../lib/errors/store.errors.js';
import { sleep, waitFor } from '../contract/store-fixture.js';
import { harnessInfo } from '../support/harness-info.js';
import { redisCommand } from '../support/redis-servers.js';
import { testKeyPrefix } from '../support/key-prefix.js';

interface UserEvent {
  id: number;
  kind: string;
}

@Injectable()
class UserEventsListener {
  readonly events: UserEvent[] = [];
  readonly orders: Array<[unknown, string]> = [];
  failures = 0;

  constructor(private readonly store: StoreService) {}

  @OnChannel('user-events')
  async onUserEvent(event: UserEvent): Promise<void> {
    this.events.push(event);
    await this.store.invalidateTags([`user:${event.id}`]);
  }

  @OnChannel({ pattern: 'orders.*' })
  @OnChannel('legacy-orders')
  onOrder(order: unknown, channel: string): void {
    this.orders.push([order, channel]);
  }

  @OnChannel('flaky')
  onFlaky(message: string): void {
    this.failures++;
    if (message === 'boom') throw new Error('listener bug');
  }
}

function appModule(store: StoreModuleOptions) {
  @Module({ imports: [StoreModule.forRoot(store)], providers: [UserEventsListener] })
  class AppModule {}
  return AppModule;
}

describe.each([
  ['memory driver', (): StoreModuleOptions => ({ driver: 'memory' })],
  [
    'Redis standalone',
    (): StoreModuleOptions => ({
      redis: harnessInfo().standaloneUrl,
      keyPrefix: testKeyPrefix('on-channel'),
    }),
  ],
])('@OnChannel in a Nest app (%s)', (_name, options) => {
  let app: INestApplication;
  let store: StoreService;
  let listener: UserEventsListener;

  beforeAll(async () => {
    app = await NestFactory.create(appModule(options()), { logger: false });
    await app.init();
    store = app.get(StoreService);
    listener = app.get(UserEventsListener);
  });
  afterAll(() => app.close());

  it('is subscribed once the app has started: the first message published after init arrives', async () => {
    await store.set('profile', { name: 'Ada' }, { tags: ['user:7'] });
    await store.publish('user-events', { id: 7, kind: 'renamed' });
    await waitFor(() => listener.events.length === 1, 5_000, 'the user event');
    expect(listener.events).toEqual([{ id: 7, kind: 'renamed' }]);
    // The handler ran to the end: the tagged entry is invalidated.
    await waitFor(async () => (await store.get('profile')) === null, 5_000, 'the invalidation');
  });

  it('listens to patterns and several channels on one method, with the channel name', async () => {
    await store.publish('orders.eu', { n: 1 });
    await store.publish('legacy-orders', { n: 2 });
    await store.publish('invoices.eu', { n: 3 });
    await waitFor(() => listener.orders.length === 2, 5_000, 'two orders');
    await sleep(50);
    expect(listener.orders).toEqual(
      expect.arrayContaining([
        [{ n: 1 }, 'orders.eu'],
        [{ n: 2 }, 'legacy-orders'],
      ]),
    );
    expect(listener.orders).toHaveLength(2);
  });

  it('a throwing listener is logged and stays subscribed', async () => {
    await store.publish('flaky', 'boom');
    await store.publish('flaky', 'fine');
    await waitFor(() => listener.failures === 2, 5_000, 'both messages');
  });
});

describe('@OnChannel subscriptions end with the app', () => {
  it('unsubscribes at shutdown (PUBSUB NUMSUB drops to 0)', async () => {
    const prefix = testKeyPrefix('on-channel-shutdown');
    const app = await NestFactory.create(
      appModule({ redis: harnessInfo().standaloneUrl, keyPrefix: prefix }),
      { logger: false },
    );
    await app.init();
    const port = Number(new URL(harnessInfo().standaloneUrl).port);
    const numsub = async () =>
      Number(
        (
          (await redisCommand(port, ['PUBSUB', 'NUMSUB', `${prefix}user-events`])) as [
            string,
            number,
          ]
        )[1],
      );
    expect(await numsub()).toBe(1);
    await app.close();
    await waitFor(async () => (await numsub()) === 0, 5_000, 'the UNSUBSCRIBE');
  });

  it('rejects a malformed target at bootstrap with a typed error', async () => {
    @Injectable()
    class Broken {
      @OnChannel({ glob: 'x' } as never)
      handle(): void {}
    }
    @Module({ imports: [StoreModule.forRoot({ driver: 'memory' })], providers: [Broken] })
    class BrokenModule {}
    const app = await NestFactory.create(BrokenModule, { logger: false, abortOnError: false });
    await expect(app.init()).rejects.toBeInstanceOf(StoreValidationError);
    await app.close();
  });
});
