import 'reflect-metadata';
import { firstValueFrom } from 'rxjs';
import {
  PUBSUB_DELIVERED_CHANNEL,
  PUBSUB_SKIPPED_CHANNEL,
  StoreSerializationError,
  type PubSubMessageEvent,
  type PubSubSkippedEvent,
} from '../../lib/index.js';
import { waitFor } from '../contract/store-fixture.js';
import { DRIVERS, eventually, telemetrySuite } from './channel-probe.js';

describe.each(DRIVERS)('pub/sub telemetry (%s)', (_driver, connection) => {
  const { fixtures, probe } = telemetrySuite(connection);

  it('publishes each message handed to a subscription, and each one skipped as unreadable', async () => {
    const { store, driver, prefix } = await fixtures.open();
    const delivered = probe.listen<PubSubMessageEvent>(PUBSUB_DELIVERED_CHANNEL);
    const skipped = probe.listen<PubSubSkippedEvent>(PUBSUB_SKIPPED_CHANNEL);
    const received: unknown[] = [];
    const unsubscribe = await store.subscribe('news', (message) => {
      received.push(message);
    });

    await driver.publish(store.redisChannel('news'), '{not json');
    await store.publish('news', { title: 'hello' });
    const named = {
      keyPrefix: prefix,
      namespace: '',
      channel: 'news',
      redisChannel: `${prefix}news`,
    };
    expect(await eventually(delivered, (e) => e.channel === 'news', 'a delivery')).toEqual(named);
    expect(skipped).toEqual([{ ...named, error: expect.any(StoreSerializationError) }]);
    expect(received).toEqual([{ title: 'hello' }]);
    await unsubscribe();
  });

  it('names the namespace of a channel Observable and of a pattern subscription', async () => {
    const { store, prefix } = await fixtures.open();
    const delivered = probe.listen<PubSubMessageEvent>(PUBSUB_DELIVERED_CHANNEL);
    const tenant = store.namespace('tenant1');
    const unsubscribe = await tenant.subscribe({ pattern: 'orders.*' }, () => undefined);
    const next = firstValueFrom(tenant.channel('orders.eu'));
    // The Observable subscribes lazily: publish until its first message arrives.
    const publishing = setInterval(() => void tenant.publish('orders.eu', 1), 20);
    await next.finally(() => clearInterval(publishing));
    const named = {
      keyPrefix: prefix,
      namespace: 'tenant1',
      channel: 'orders.eu',
      redisChannel: `${prefix}tenant1:orders.eu`,
    };
    // One message through the pattern subscription, one through the Observable, at least.
    await waitFor(() => delivered.length >= 2, 10_000, 'two deliveries');
    expect(delivered).toContainEqual(named);
    expect(delivered.every((e) => JSON.stringify(e) === JSON.stringify(named))).toBe(true);
    await unsubscribe();
  });
});
