import 'reflect-metadata';
import type { Subscription } from 'rxjs';
import {
  STREAM_ACKED_CHANNEL,
  STREAM_CLAIMED_CHANNEL,
  STREAM_DELIVERED_CHANNEL,
  type StoreService,
  type StreamAckedEvent,
  type StreamClaimedEvent,
  type StreamMessage,
  type StreamMessageEvent,
} from '../../lib/index.js';
import { waitFor } from '../contract/store-fixture.js';
import { DRIVERS, eventually, telemetrySuite } from './channel-probe.js';

const CLAIM_IDLE_MS = 100;

/** A running consumer and what it received. */
interface Consumer {
  received: Array<StreamMessage<unknown>>;
  subscription: Subscription;
}

function consume(store: StoreService, consumer: string): Consumer {
  const received: Array<StreamMessage<unknown>> = [];
  const subscription = store
    .stream('orders', {
      group: 'billing',
      consumer,
      startFrom: '0',
      blockMs: 50,
      claimIdleMs: CLAIM_IDLE_MS,
    })
    .subscribe((message) => received.push(message));
  return { received, subscription };
}

describe.each(DRIVERS)('stream telemetry (%s)', (_driver, connection) => {
  const { fixtures, probe } = telemetrySuite(connection);
  const running: Subscription[] = [];
  afterEach(() => {
    for (const subscription of running.splice(0)) subscription.unsubscribe();
  });

  it('publishes a delivery, then its acknowledgement with how long the message was held', async () => {
    const { store, prefix } = await fixtures.open();
    const delivered = probe.listen<StreamMessageEvent>(STREAM_DELIVERED_CHANNEL);
    const acked = probe.listen<StreamAckedEvent>(STREAM_ACKED_CHANNEL);
    const tenant = store.namespace('t1');
    const id = await tenant.append('orders', { n: 1 });
    const a = consume(tenant, 'a');
    running.push(a.subscription);

    await waitFor(() => a.received.length === 1, 10_000, 'the delivery');
    const named = {
      keyPrefix: prefix,
      namespace: 't1',
      stream: 'orders',
      redisKey: `${prefix}t1:orders`,
      group: 'billing',
      consumer: 'a',
      id,
      deliveryCount: 1,
    };
    expect(delivered).toEqual([named]);
    expect(acked).toEqual([]);
    await a.received[0].ack();
    expect(acked).toEqual([{ ...named, heldMs: expect.any(Number) }]);
    expect(acked[0].heldMs).toBeGreaterThanOrEqual(0);
  });

  it('publishes the messages a consumer takes over from one that left them idle', async () => {
    const { store, prefix } = await fixtures.open();
    const claimed = probe.listen<StreamClaimedEvent>(STREAM_CLAIMED_CHANNEL);
    const delivered = probe.listen<StreamMessageEvent>(STREAM_DELIVERED_CHANNEL);
    const id = await store.append('orders', { n: 1 });
    const a = consume(store, 'a');
    await waitFor(() => a.received.length === 1, 10_000, "a's delivery");
    // Gone without acknowledging: the message stays pending for "a" until another consumer claims it.
    a.subscription.unsubscribe();

    const b = consume(store, 'b');
    running.push(b.subscription);
    const claim = await eventually(claimed, (e) => e.consumer === 'b', 'the claim');
    expect(claim).toEqual({
      keyPrefix: prefix,
      namespace: '',
      stream: 'orders',
      redisKey: `${prefix}orders`,
      group: 'billing',
      consumer: 'b',
      ids: [id],
      minIdleMs: CLAIM_IDLE_MS,
    });
    expect(await eventually(delivered, (e) => e.consumer === 'b', "b's delivery")).toMatchObject({
      id,
      deliveryCount: 2,
    });
  });
});
