/** For the telemetry specs: collects what nestjs-store publishes on diagnostics channels. */
import {
  subscribe,
  tracingChannel,
  unsubscribe,
  type TracingChannelSubscribers,
} from 'node:diagnostics_channel';
import type { StoreModuleOptions } from '../../lib/index.js';
import { StoreFixtures, waitFor } from '../contract/store-fixture.js';
import { harnessInfo } from '../support/harness-info.js';

/** The drivers the specs run against: the memory driver and the harness's Redis standalone. */
export const DRIVERS: Array<[string, () => StoreModuleOptions]> = [
  ['memory', () => ({ driver: 'memory' })],
  ['Redis standalone', () => ({ redis: harnessInfo().standaloneUrl })],
];

/** One TracingChannel's events, in order, each with its context as it was when the event fired. */
export interface TraceLog<C> {
  events: Array<{ event: keyof TracingChannelSubscribers<object>; context: C }>;
}

/**
 * Subscribes to channels for one test and unsubscribes from all of them at `close()`, so no spec
 * leaves a subscriber behind for the next one in the same worker (the channels are process-wide).
 */
export class ChannelProbe {
  private readonly detachers: Array<() => void> = [];

  /** Everything published on `name` from now on. */
  listen<T>(name: string): T[] {
    const received: T[] = [];
    const listener = (message: unknown) => received.push(message as T);
    subscribe(name, listener);
    this.detachers.push(() => unsubscribe(name, listener));
    return received;
  }

  /** Every event of the TracingChannel `name` from now on (the context is copied at each event). */
  trace<C extends object>(name: string): TraceLog<C> {
    const log: TraceLog<C> = { events: [] };
    const record = (event: keyof TracingChannelSubscribers<object>) => (context: object) =>
      log.events.push({ event, context: { ...context } as C });
    const handlers: TracingChannelSubscribers<object> = {
      start: record('start'),
      end: record('end'),
      asyncStart: record('asyncStart'),
      asyncEnd: record('asyncEnd'),
      error: record('error'),
    };
    const channel = tracingChannel(name);
    channel.subscribe(handlers);
    this.detachers.push(() => channel.unsubscribe(handlers));
    return log;
  }

  close(): void {
    for (const detach of this.detachers.splice(0)) detach();
  }
}

/** Waits (up to 10 s) until `received` holds a message `matches` accepts, and returns it. */
export async function eventually<T>(
  received: T[],
  matches: (message: T) => boolean,
  what: string,
): Promise<T> {
  await waitFor(() => received.some(matches), 10_000, what);
  return received.find(matches)!;
}

/**
 * For a describe block: stores on `connection` and a probe; the probe's subscriptions end after
 * each test, the stores after the block.
 */
export function telemetrySuite(connection: () => StoreModuleOptions): {
  fixtures: StoreFixtures;
  probe: ChannelProbe;
} {
  const fixtures = new StoreFixtures(connection);
  const probe = new ChannelProbe();
  afterEach(() => probe.close());
  afterAll(() => fixtures.closeAll());
  return { fixtures, probe };
}
