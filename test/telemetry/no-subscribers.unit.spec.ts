import { hasSubscribers, subscribe, unsubscribe } from 'node:diagnostics_channel';
import * as names from '../../lib/telemetry/channel-names.js';
import {
  observeCacheLookup,
  publishCacheFallback,
  publishCacheL1Hit,
  traceCacheLoad,
} from '../../lib/telemetry/cache.telemetry.js';
import {
  publishConnectionStates,
  type ConnectionStateSource,
} from '../../lib/telemetry/connection.telemetry.js';
import { publishCacheHttp } from '../../lib/telemetry/http-cache.telemetry.js';
import {
  publishPubSubDelivered,
  publishPubSubSkipped,
} from '../../lib/telemetry/pubsub.telemetry.js';
import { rateLimitObserved } from '../../lib/telemetry/rate-limit.telemetry.js';
import {
  publishStreamAcked,
  publishStreamClaimed,
  publishStreamDelivered,
} from '../../lib/telemetry/stream.telemetry.js';
import { StoreConnectionError } from '../../lib/index.js';

/**
 * A stand-in for any argument that throws as soon as anything reads it: a publisher that built a
 * payload (or derived a namespace) would have to read its arguments.
 */
function untouchable<T>(): T {
  return new Proxy(Object.create(null) as object, {
    get: (_target, property) => {
      throw new Error(`read ${String(property)}`);
    },
  }) as T;
}

const channelNames: string[] = Object.values(names);
const tracingNames = [
  names.CACHE_LOAD_TRACING_CHANNEL,
  names.RATE_LIMIT_CHECK_TRACING_CHANNEL,
].flatMap((name) =>
  ['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((event) => `tracing:${name}:${event}`),
);

describe('telemetry while nobody listens', () => {
  it('has no subscriber on any channel (the specs leave none behind)', () => {
    expect([...channelNames, ...tracingNames].filter((name) => hasSubscribers(name))).toEqual([]);
  });

  it('returns from every publisher before reading its arguments, so no payload is built', () => {
    const u = untouchable;
    expect(() => {
      publishCacheL1Hit('get', u(), u(), u());
      publishCacheFallback('getOrSet', u(), u(), u(), 1);
      publishCacheHttp(u(), 'hit', u(), u(), u());
      publishPubSubDelivered(u(), u());
      publishPubSubSkipped(u(), u(), u());
      publishStreamDelivered(u(), u(), u());
      publishStreamAcked(u(), u(), u(), 0);
      publishStreamClaimed(u(), u(), u());
    }).not.toThrow();
    expect(rateLimitObserved()).toBe(false);
  });

  it('hands back the lookup and the loader result themselves, untraced', async () => {
    const lookup = Promise.resolve({ status: 'hit' as const });
    expect(observeCacheLookup(lookup, untouchable(), untouchable())).toBe(lookup);
    const loaded = Promise.resolve('value');
    expect(traceCacheLoad(() => loaded, untouchable(), untouchable())).toBe(loaded);
    expect(traceCacheLoad(() => 'sync value', untouchable(), untouchable())).toBe('sync value');
    await lookup;
  });

  it('builds no connection-state event while nobody listens, and one once somebody does', () => {
    let listener: (state: 'connected' | 'reconnecting' | 'closed') => void = () => undefined;
    let kindReads = 0;
    const driver: ConnectionStateSource = {
      get kind() {
        kindReads += 1;
        return 'redis' as const;
      },
      connectionState: () => 'reconnecting',
      onConnectionState: (next) => {
        listener = next;
        return () => undefined;
      },
    };
    publishConnectionStates(driver, 'p:');
    listener('connected');
    expect(kindReads).toBe(0);

    const received: unknown[] = [];
    const onMessage = (message: unknown) => received.push(message);
    subscribe(names.CONNECTION_STATE_CHANNEL, onMessage);
    try {
      listener('reconnecting');
    } finally {
      unsubscribe(names.CONNECTION_STATE_CHANNEL, onMessage);
    }
    expect(received).toEqual([
      { keyPrefix: 'p:', driver: 'redis', state: 'reconnecting', previous: 'connected' },
    ]);
  });

  it('reads its arguments once somebody listens (the check above would see a payload being built)', () => {
    const onMessage = () => undefined;
    subscribe(names.CACHE_FALLBACK_CHANNEL, onMessage);
    try {
      expect(() =>
        publishCacheFallback(
          'getOrSet',
          'p:',
          untouchable(),
          new StoreConnectionError('get', new Error('down')),
          1,
        ),
      ).toThrow(/^read /);
    } finally {
      unsubscribe(names.CACHE_FALLBACK_CHANNEL, onMessage);
    }
  });
});
