/**
 * Runs message streams through the receivers, with one separate ioredis publisher for all.
 *
 * Throughput reuses the shared closed-loop runner (`measureAll`): one operation publishes a
 * pipelined burst of `burst` messages and resolves once every observer has received all of them,
 * so `concurrency` callers keep at most `concurrency × burst` messages in flight (published, not
 * yet received): the publisher goes as fast as the receiver keeps up and never floods Redis's
 * output buffer. Messages/s = bursts/s × burst; rounds interleaved, median, as everywhere.
 *
 * Latency publishes single messages at a fixed rate (a 1 ms timer publishes what is due), each
 * stamped just before its PUBLISH, and samples the time until observer 0 has it, deserialized.
 * Rounds are interleaved across the systems the same way.
 *
 * Every case is verified afterwards: every observer received every message, in order.
 */
import type { Redis } from 'ioredis';
import {
  measureAll,
  type BenchCase,
  type MeasureOptions,
  type Measurement,
} from '../lib/measure.js';
import { DeliveryTracker, MAX_IN_FLIGHT, messageJson, nowNs } from './delivery.js';
import type { Receiver } from './receivers.js';

/** How long a stream may take to deliver what was published, or to subscribe. */
const SETTLE_MS = 10_000;

export interface StreamCase {
  receiver: Receiver;
  tracker: DeliveryTracker;
  /** Messages published so far (the next `seq`). */
  published: number;
  /** What the system's own publish (`store.publish` / `PUBLISH`) reported for the first message. */
  firstPublishReceivers: number;
  /** SUBSCRIBE commands Redis processed while the receiver attached its observers (INFO commandstats delta). */
  subscribeCommands: number;
}

/** `PUBSUB NUMSUB channel` on a normal (not subscribed) connection. */
export async function numsub(client: Redis, channel: string): Promise<number> {
  const reply = (await client.call('PUBSUB', 'NUMSUB', channel)) as unknown[];
  return Number(reply[1]);
}

/** SUBSCRIBE commands the server has processed since it started (`INFO commandstats`). */
async function subscribeCalls(client: Redis): Promise<number> {
  return Number(
    /^cmdstat_subscribe:calls=(\d+)/m.exec(await client.info('commandstats'))?.[1] ?? 0,
  );
}

/**
 * Attaches every receiver (counting the SUBSCRIBE commands that took), waits until Redis reports
 * its subscription, delivers message 0 through the system's own publish, runs `body`, and detaches every receiver again (also when `body` fails).
 */
export async function withStreams<T>(
  publisher: Redis,
  receivers: Receiver[],
  body: (streams: StreamCase[]) => Promise<T>,
): Promise<T> {
  const attached: Receiver[] = [];
  try {
    const streams: StreamCase[] = [];
    for (const receiver of receivers) {
      const tracker = new DeliveryTracker(receiver.observers);
      const subscribedBefore = await subscribeCalls(publisher);
      attached.push(receiver);
      await receiver.attach(tracker);
      await waitFor(
        async () => (await numsub(publisher, receiver.redisChannel)) >= 1,
        `${receiver.name}: SUBSCRIBE`,
      );
      const subscribeCommands = (await subscribeCalls(publisher)) - subscribedBefore;
      const firstPublishReceivers = await receiver.publishOwn(0, nowNs());
      await within(tracker.until(0), `${receiver.name}: the first message`);
      streams.push({ receiver, tracker, published: 1, firstPublishReceivers, subscribeCommands });
    }
    return await body(streams);
  } finally {
    const detached = await Promise.allSettled(attached.map((r) => r.detach()));
    detached.forEach((r, i) => {
      if (r.status === 'rejected')
        process.stderr.write(
          `pubsub: detaching ${attached[i]!.name} failed: ${String(r.reason)}\n`,
        );
    });
  }
}

/** One burst per call: a pipeline of `burst` PUBLISHes, settled when every observer has them all. */
function burstCase(stream: StreamCase, publisher: Redis, burst: number): BenchCase {
  const channel = stream.receiver.redisChannel;
  const checkReplies = (replies: Array<[Error | null, unknown]> | null): void => {
    const failed = replies?.find(([error]) => error !== null);
    if (!replies || failed) throw failed?.[0] ?? new Error('the PUBLISH pipeline was discarded');
  };
  return {
    name: stream.receiver.name,
    op: () => {
      const first = stream.published;
      stream.published += burst;
      const pipeline = publisher.pipeline();
      const t = nowNs();
      for (let seq = first; seq < first + burst; seq++)
        pipeline.publish(channel, messageJson(seq, t));
      return Promise.all([
        pipeline.exec().then(checkReplies),
        stream.tracker.until(first + burst - 1),
      ]);
    },
  };
}

/**
 * Messages/s through each stream with `measureAll` (see the header), in messages, not bursts; a
 * case whose observers missed or reordered anything is reported failed.
 */
export async function measureThroughput(
  streams: StreamCase[],
  publisher: Redis,
  burst: number,
  options: MeasureOptions,
): Promise<Measurement[]> {
  const results = await measureAll(
    streams.map((s) => burstCase(s, publisher, burst)),
    { ...options, latencySamples: 0 },
    (line) => process.stderr.write(`${line} (bursts of ${burst} messages)\n`),
  );
  return results.map((m, i) => {
    const error = m.error ?? verifyError(streams[i]!);
    const perMessage = {
      ...m,
      opsPerSec: m.opsPerSec * burst,
      rounds: m.rounds.map((r) => r * burst),
    };
    return error ? { ...perMessage, opsPerSec: NaN, error } : perMessage;
  });
}

function verifyError(stream: StreamCase): string | undefined {
  try {
    stream.tracker.verify(stream.published);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export interface LatencyRound {
  messages: number;
  /** Messages actually published per second. */
  rate: number;
  p50Us: number;
  p99Us: number;
}

export interface LatencyResult {
  name: string;
  rounds: LatencyRound[];
  /** Medians of the rounds' percentiles. */
  p50Us: number;
  p99Us: number;
  error?: string;
}

/** Publish-to-observer latency of each stream at `rate` messages/s: a warm-up round, then interleaved rounds. */
export async function measureLatency(
  streams: StreamCase[],
  publisher: Redis,
  rate: number,
  options: MeasureOptions,
): Promise<LatencyResult[]> {
  const state = streams.map((stream) => ({
    stream,
    rounds: [] as LatencyRound[],
    error: undefined as string | undefined,
  }));
  const run = async (
    s: (typeof state)[number],
    durationMs: number,
    label: string,
  ): Promise<void> => {
    if (s.error) return;
    try {
      const round = await pacedRound(s.stream, publisher, rate, durationMs);
      if (label !== 'warm-up') s.rounds.push(round);
      process.stderr.write(
        `  ${label}  ${s.stream.receiver.name.padEnd(34)} p50 ${round.p50Us.toFixed(0)} µs, p99 ${round.p99Us.toFixed(0)} µs\n`,
      );
    } catch (error) {
      s.error = error instanceof Error ? error.message : String(error);
      process.stderr.write(`  ${s.stream.receiver.name}: ${label} failed: ${s.error}\n`);
    }
  };
  for (const s of state) await run(s, options.warmupMs, 'warm-up');
  for (let r = 0; r < options.rounds; r++) {
    for (let i = 0; i < state.length; i++)
      await run(
        state[(i + r) % state.length]!,
        options.durationMs,
        `round ${r + 1}/${options.rounds}`,
      );
  }
  return state.map(({ stream, rounds, error }) => {
    const failure = error ?? verifyError(stream);
    return {
      name: stream.receiver.name,
      rounds,
      p50Us: failure ? NaN : median(rounds.map((x) => x.p50Us)),
      p99Us: failure ? NaN : median(rounds.map((x) => x.p99Us)),
      ...(failure ? { error: failure } : {}),
    };
  });
}

/** Publishes single messages at `rate`/s for `durationMs`, then waits until all arrived. */
async function pacedRound(
  stream: StreamCase,
  publisher: Redis,
  rate: number,
  durationMs: number,
): Promise<LatencyRound> {
  const { tracker } = stream;
  const channel = stream.receiver.redisChannel;
  tracker.sampleLatency(Math.ceil((rate * durationMs) / 1000) + 1024);
  const publishFailed = (error: unknown): void => tracker.fail(`PUBLISH failed: ${String(error)}`);
  const started = nowNs();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsedNs = nowNs() - started;
      if (elapsedNs >= durationMs * 1e6 || tracker.failure) {
        clearInterval(timer);
        resolve();
        return;
      }
      const due = Math.floor((elapsedNs * rate) / 1e9) - sent;
      for (let k = 0; k < due; k++) {
        publisher.publish(channel, messageJson(stream.published++, nowNs())).catch(publishFailed);
        sent++;
      }
      if (stream.published - tracker.delivered >= MAX_IN_FLIGHT)
        tracker.fail(`the receiver fell ${MAX_IN_FLIGHT} messages behind`);
    }, 1);
  });
  const elapsedMs = (nowNs() - started) / 1e6;
  await within(
    tracker.until(stream.published - 1),
    `${stream.receiver.name}: delivering the round's messages`,
  );
  const samples = tracker.takeLatency();
  return {
    messages: sent,
    rate: (sent / elapsedMs) * 1000,
    p50Us: percentile(samples, 0.5) / 1000,
    p99Us: percentile(samples, 0.99) / 1000,
  };
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rejects when `promise` has not settled within SETTLE_MS. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: nothing after ${SETTLE_MS / 1000} s`)),
      SETTLE_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` every 10 ms until it holds, or fails after SETTLE_MS. */
export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = SETTLE_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
