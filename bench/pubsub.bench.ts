/**
 * Pub/sub suite (issue 5, "Sample, README, benchmark"): `store.channel()` against a raw ioredis
 * subscriber, side by side in one process run.
 *
 * Every system receives the same ~350-byte JSON messages (`{ seq, t, payload }`, the payload being
 * the core suite's value) from one separate ioredis publisher (`new Redis(url)`), and deserializes
 * them: nestjs-store with its default JSON serializer, raw ioredis with `JSON.parse` in its
 * `message` listener. nestjs-store is `StoreModule.forRoot({ redis, keyPrefix })`; the publisher
 * publishes on its Redis channel `{keyPrefix}{name}`; the first message of every case goes
 * through the system's own publish (`store.publish` / `PUBLISH`) instead.
 *
 * 1. Throughput, one observer: messages per second received. The publisher sends pipelined
 *    bursts of 50 messages and keeps at most 8 bursts in flight (published, not yet
 *    received), so it runs as fast as the receiver keeps up without flooding Redis's output buffer;
 *    this is the shared closed-loop runner with "publish a burst, wait until it has arrived" as its
 *    operation. Goal: channel() ≥ 0.90x raw ioredis subscriber.
 * 2. Fan-out: 1,000 observers of one channel: nestjs-store with 1,000 `.subscribe()` on one
 *    `channel(name)`, and with 1,000 `channel(name)` Observables of one subscriber each; raw
 *    ioredis with 1,000 `on('message')` listeners on its subscriber connection (each checks the
 *    channel and parses, as 1,000 independent parts of an app would), and for reference one
 *    listener that parses once and calls 1,000 callbacks. `PUBSUB NUMSUB` is read while the 1,000
 *    observers are subscribed, and the SUBSCRIBE commands Redis processed while they attached are
 *    counted (`INFO commandstats`; NUMSUB alone counts connections, not commands): goal, 1 and 1
 *    for nestjs-store, one SUBSCRIBE for all. NUMSUB is read again 1 s after they all left (goal:
 *    0, the store's linger has passed and its UNSUBSCRIBE was sent).
 * 3. Latency: single messages at a fixed rate (BENCH_PUBSUB_RATE, default 2,000/s), each stamped
 *    with `process.hrtime.bigint()` just before its PUBLISH; p50/p99 of the time until the
 *    observer has it, deserialized, on loopback. Printed, not a goal.
 *
 * Every observer checks that it receives every message in order (a gap or reorder fails the case
 * at once); after measuring, each case is checked to have delivered everything it published to
 * every observer. Rounds are interleaved across the systems (order rotated each round), median
 * reported, with the per-round figures and ratios (this machine is noisy).
 *
 * Round length: BENCH_SECONDS when set, else 2 s; BENCH_ROUNDS and BENCH_WARMUP_SECONDS as in
 * every suite (about a minute in all with the defaults).
 */
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { StoreModule, StoreService } from '../lib/index.js';
import type { BenchContext } from './lib/context.js';
import type { MeasureOptions, Measurement } from './lib/measure.js';
import { formatRatio, goals, heading, line, ratios, subheading, table } from './lib/report.js';
import { MESSAGE_BYTES } from './pubsub/delivery.js';
import { rawReceiver, storeReceiver, type Receiver } from './pubsub/receivers.js';
import { checkGoals, latencyTable, streamTable, verifiedLines } from './pubsub/report.js';
import { measureLatency, measureThroughput, numsub, withStreams } from './pubsub/stream-runner.js';

const KEY_PREFIX = 'bench:pubsub:';
const RAW_CHANNEL_PREFIX = `${KEY_PREFIX}raw:`;
const DEFAULT_ROUND_SECONDS = 2;

/**
 * The publisher's window: pipelined bursts of `burst` messages, at most `concurrency` bursts in flight.
 * Throughput: 400 messages. Fan-out: every message makes `observers` deliveries, so 40 messages
 * (40,000 deliveries).
 */
const THROUGHPUT = { burst: 50, concurrency: 8 } as const;
const FAN_OUT = { observers: 1000, burst: 10, concurrency: 4 } as const;
/** How long after the last observer left NUMSUB is read again (the store lingers before UNSUBSCRIBE). */
const LINGER_WAIT_MS = 1000;
const THROUGHPUT_GOAL = 0.9;

const NAMES = {
  store: 'nestjs-store channel()',
  raw: 'raw ioredis subscriber',
  storeShared: `nestjs-store: 1 channel(), ${FAN_OUT.observers.toLocaleString('en-US')} subscribe()`,
  storeEach: `nestjs-store: ${FAN_OUT.observers.toLocaleString('en-US')} channel(), 1 subscribe() each`,
  rawEach: `raw ioredis: ${FAN_OUT.observers.toLocaleString('en-US')} message listeners`,
  rawOnce: `raw ioredis: 1 listener, ${FAN_OUT.observers.toLocaleString('en-US')} callbacks`,
} as const;

export async function pubsubSuite(ctx: BenchContext): Promise<void> {
  const url = ctx.redis.url;
  const measure: MeasureOptions = process.env['BENCH_SECONDS']
    ? ctx.measure
    : { ...ctx.measure, durationMs: DEFAULT_ROUND_SECONDS * 1000 };
  const rate = Number(process.env['BENCH_PUBSUB_RATE'] || 2000);
  if (!Number.isFinite(rate) || rate <= 0)
    throw new Error(
      `BENCH_PUBSUB_RATE must be a positive number, got "${process.env['BENCH_PUBSUB_RATE']}"`,
    );

  heading('pubsub: channel() throughput, fan-out to 1,000 observers, publish-to-observer latency');
  line(
    `message: ${MESSAGE_BYTES}-byte JSON ({ seq, t, payload }), deserialized by every system; one separate publisher, new Redis(url); ` +
      `warm-up ${measure.warmupMs / 1000} s, ${measure.rounds} rounds of ${measure.durationMs / 1000} s, median; rounds interleaved across systems`,
  );
  line(
    `nestjs-store: StoreModule.forRoot({ redis, keyPrefix: '${KEY_PREFIX}' }), store.channel<T>(name) (publisher sends to '${KEY_PREFIX}<name>'); ` +
      `raw ioredis: its own new Redis(url), subscribe(channel), on('message') with JSON.parse`,
  );

  const publisher = new Redis(url);
  const app = await NestFactory.createApplicationContext(
    StoreModule.forRoot({ redis: url, keyPrefix: KEY_PREFIX }),
    { logger: false },
  );
  try {
    const store = app.get(StoreService);
    await throughputPart(url, store, publisher, measure);
    await fanOutPart(url, store, publisher, measure);
    await latencyPart(url, store, publisher, measure, rate);
  } finally {
    const closing = await Promise.allSettled([app.close(), publisher.quit()]);
    for (const r of closing)
      if (r.status === 'rejected')
        process.stderr.write(`pubsub: closing failed: ${String(r.reason)}\n`);
  }
}

/** The single-observer pair of throughput and latency, on channels named after `part`. */
function singleObserverPair(
  url: string,
  store: StoreService,
  publisher: Redis,
  part: string,
): Receiver[] {
  return [
    storeReceiver(NAMES.store, store, part, 1, 'one channel()'),
    rawReceiver(NAMES.raw, url, publisher, `${RAW_CHANNEL_PREFIX}${part}`, 1, 'listener each'),
  ];
}

function byName(results: Measurement[]): (name: string) => Measurement {
  return (name) => results.find((m) => m.name === name)!;
}

// ---------------------------------------------------------------------------------------------
// 1. Throughput, one observer
// ---------------------------------------------------------------------------------------------

async function throughputPart(
  url: string,
  store: StoreService,
  publisher: Redis,
  measure: MeasureOptions,
): Promise<void> {
  subheading('Throughput: messages/s to one observer');
  line(
    `publisher: pipelined bursts of ${THROUGHPUT.burst} PUBLISH, at most ${THROUGHPUT.concurrency} bursts (${THROUGHPUT.burst * THROUGHPUT.concurrency} messages) in flight; ` +
      `a burst counts once its last message has reached the observer`,
  );
  process.stderr.write('pubsub: throughput, one observer\n');
  await withStreams(
    publisher,
    singleObserverPair(url, store, publisher, 'throughput'),
    async (streams) => {
      const results = await measureThroughput(streams, publisher, THROUGHPUT.burst, {
        ...measure,
        concurrency: THROUGHPUT.concurrency,
      });
      line();
      streamTable(results, 1);
      verifiedLines(streams, results);
      const by = byName(results);
      line();
      ratios(by(NAMES.store), [by(NAMES.raw)]);
      goals([
        {
          label: `channel() ≥ ${formatRatio(THROUGHPUT_GOAL)} ${NAMES.raw}`,
          subject: by(NAMES.store),
          anchor: by(NAMES.raw),
          min: THROUGHPUT_GOAL,
        },
      ]);
    },
  );
}

// ---------------------------------------------------------------------------------------------
// 2. Fan-out to 1,000 observers
// ---------------------------------------------------------------------------------------------

async function fanOutPart(
  url: string,
  store: StoreService,
  publisher: Redis,
  measure: MeasureOptions,
): Promise<void> {
  const observers = FAN_OUT.observers.toLocaleString('en-US');
  subheading(`Fan-out: ${observers} observers of one channel`);
  line(
    `publisher: pipelined bursts of ${FAN_OUT.burst} PUBLISH, at most ${FAN_OUT.concurrency} bursts in flight; ` +
      `a burst counts once its last message has reached all ${observers} observers; deliveries/s = msg/s × ${observers}`,
  );
  line(
    `raw ioredis with ${observers} message listeners: each listener checks the channel and parses (JSON.parse ×${observers} per message); ` +
      `the 1-listener row parses once and calls ${observers} callbacks (a hand-written fan-out, for reference)`,
  );
  process.stderr.write(`pubsub: fan-out to ${FAN_OUT.observers} observers\n`);
  const receivers = [
    storeReceiver(NAMES.storeShared, store, 'fanout-shared', FAN_OUT.observers, 'one channel()'),
    storeReceiver(NAMES.storeEach, store, 'fanout-each', FAN_OUT.observers, 'channel() each'),
    rawReceiver(
      NAMES.rawEach,
      url,
      publisher,
      `${RAW_CHANNEL_PREFIX}fanout-each`,
      FAN_OUT.observers,
      'listener each',
    ),
    rawReceiver(
      NAMES.rawOnce,
      url,
      publisher,
      `${RAW_CHANNEL_PREFIX}fanout-once`,
      FAN_OUT.observers,
      'one listener',
    ),
  ];
  const during = new Map<string, { numsub: number; subscribes: number }>();
  await withStreams(publisher, receivers, async (streams) => {
    const results = await measureThroughput(streams, publisher, FAN_OUT.burst, {
      ...measure,
      concurrency: FAN_OUT.concurrency,
    });
    // Read while all observers are still subscribed (they have been for the whole run).
    for (const s of streams)
      during.set(s.receiver.name, {
        numsub: await numsub(publisher, s.receiver.redisChannel),
        subscribes: s.subscribeCommands,
      });
    line();
    streamTable(results, FAN_OUT.observers);
    verifiedLines(streams, results);
    const by = byName(results);
    line();
    ratios(by(NAMES.storeShared), [by(NAMES.rawEach), by(NAMES.rawOnce)]);
    ratios(by(NAMES.storeEach), [by(NAMES.rawEach), by(NAMES.rawOnce)]);
  });
  // Every observer has unsubscribed (raw ioredis: its connection quit); nestjs-store lingers before its UNSUBSCRIBE.
  await new Promise((resolve) => setTimeout(resolve, LINGER_WAIT_MS));
  const after = new Map<string, number>();
  for (const r of receivers) after.set(r.name, await numsub(publisher, r.redisChannel));

  line();
  line(
    `PUBSUB NUMSUB of each channel while the ${observers} observers were subscribed, and ${LINGER_WAIT_MS / 1000} s after all of them unsubscribed; ` +
      `SUBSCRIBE commands Redis processed while the ${observers} observers were attached (INFO commandstats):`,
  );
  table(
    ['system', 'channel', 'SUBSCRIBE sent', 'NUMSUB subscribed', 'NUMSUB after'],
    receivers.map((r) => [
      r.name,
      r.redisChannel,
      String(during.get(r.name)?.subscribes),
      String(during.get(r.name)?.numsub),
      String(after.get(r.name)),
    ]),
    ['l', 'l', 'r', 'r', 'r'],
  );
  line();
  const stores = receivers.slice(0, 2);
  const shape = (r: Receiver): string => r.name.replace('nestjs-store: ', '');
  checkGoals([
    ...stores.map((r) => ({
      label: `one SUBSCRIBE for ${observers} observers (${shape(r)})`,
      measured: `NUMSUB = ${during.get(r.name)?.numsub}, SUBSCRIBE ×${during.get(r.name)?.subscribes}`,
      met: during.get(r.name)?.numsub === 1 && during.get(r.name)?.subscribes === 1,
    })),
    ...stores.map((r) => ({
      label: `UNSUBSCRIBE once the last of ${observers} left (${shape(r)})`,
      measured: `NUMSUB = ${after.get(r.name)} ${LINGER_WAIT_MS / 1000} s later`,
      met: after.get(r.name) === 0,
    })),
  ]);
}

// ---------------------------------------------------------------------------------------------
// 3. Publish-to-observer latency
// ---------------------------------------------------------------------------------------------

async function latencyPart(
  url: string,
  store: StoreService,
  publisher: Redis,
  measure: MeasureOptions,
  rate: number,
): Promise<void> {
  subheading(`Latency: publish to observer at ${rate.toLocaleString('en-US')} msg/s, loopback`);
  line(
    `single PUBLISH calls paced by a 1 ms timer (what is due is sent); t = process.hrtime.bigint() just before each PUBLISH, ` +
      `latency = the observer's hrtime when it has the message, deserialized, minus t; publisher and observers in this process`,
  );
  process.stderr.write('pubsub: latency\n');
  await withStreams(
    publisher,
    singleObserverPair(url, store, publisher, 'latency'),
    async (streams) => {
      const results = await measureLatency(streams, publisher, rate, measure);
      line();
      latencyTable(results);
      verifiedLines(streams, results);
      const [storeResult, rawResult] = results;
      line();
      line(
        `p99 publish-to-observer on loopback: ${NAMES.store} ${storeResult!.p99Us.toFixed(0)} µs, ${NAMES.raw} ${rawResult!.p99Us.toFixed(0)} µs ` +
          `(difference ${(storeResult!.p99Us - rawResult!.p99Us).toFixed(0)} µs; printed, not a goal)`,
      );
    },
  );
}
