/**
 * The messages the pub/sub suite publishes, and the tracker that checks their delivery.
 *
 * A message is `{"seq":…,"t":…,"payload":<the core suite's ~300-byte VALUE>}`: `seq` numbers the
 * messages of one case from 0, `t` is `process.hrtime.bigint()` (as ns since the suite loaded)
 * taken just before the message is published. Every system receives the same bytes.
 *
 * The tracker is handed every delivery (observer index, deserialized message). It fails at once
 * when an observer receives anything but the next `seq` (a lost or reordered message), counts how
 * many observers got each message (a ring of counters, so observers may see a message in any order
 * among themselves), and resolves `until(seq)` once every observer has received every message up
 * to `seq`. Optionally it samples the publish-to-observer latency at observer 0.
 */
import { VALUE } from '../core.bench.js';

export interface BenchMessage {
  seq: number;
  /** ns on the suite's clock (`nowNs`) just before publishing. */
  t: number;
  payload: typeof VALUE;
}

const VALUE_JSON = JSON.stringify(VALUE);
/** hrtime's origin is arbitrary (boot time); subtracting the suite's start keeps `t` well inside 2^53. */
const CLOCK_ORIGIN = process.hrtime.bigint();

/** The suite's clock in ns. */
export function nowNs(): number {
  return Number(process.hrtime.bigint() - CLOCK_ORIGIN);
}

/** The JSON text of message `seq` stamped `t` (what `JSON.stringify` gives for the same object). */
export function messageJson(seq: number, t: number): string {
  return `{"seq":${seq},"t":${t},"payload":${VALUE_JSON}}`;
}

export function messageOf(seq: number, t: number): BenchMessage {
  return { seq, t, payload: VALUE };
}

export const MESSAGE_BYTES = Buffer.byteLength(messageJson(100_000, nowNs()));

/** Where receivers hand what they get. */
export interface DeliverySink {
  deliver(observer: number, message: BenchMessage): void;
  fail(reason: string): void;
}

/** Messages that may be in flight (published, not yet received by every observer) at once. */
export const MAX_IN_FLIGHT = 1 << 16;

export class DeliveryTracker implements DeliverySink {
  /** Messages received by every observer: every `seq` below this has fully arrived. */
  delivered = 0;
  failure: Error | undefined;
  private readonly next: Float64Array;
  private readonly counts = new Uint32Array(MAX_IN_FLIGHT);
  private readonly waiters: Array<{
    seq: number;
    resolve: () => void;
    reject: (error: Error) => void;
  }> = [];
  private latency: Float64Array | undefined;
  private samples = 0;

  constructor(readonly observers: number) {
    this.next = new Float64Array(observers);
  }

  readonly deliver = (observer: number, message: BenchMessage): void => {
    const seq = message.seq;
    if (seq !== this.next[observer]) {
      this.fail(
        `observer ${observer} received message ${seq} while expecting ${this.next[observer]} (lost or reordered)`,
      );
      return;
    }
    this.next[observer] = seq + 1;
    if (this.latency && observer === 0)
      this.latency[this.samples++ % this.latency.length] = nowNs() - message.t;
    const slot = seq & (MAX_IN_FLIGHT - 1);
    if (++this.counts[slot]! === this.observers && seq === this.delivered) this.advance();
  };

  readonly fail = (reason: string): void => {
    if (this.failure) return;
    this.failure = new Error(reason);
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
  };

  /** Resolves once every observer has received every message up to `seq` (inclusive). */
  until(seq: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (seq < this.delivered) return Promise.resolve();
    return new Promise((resolve, reject) => {
      // Callers ask in publishing order, so the list stays sorted.
      this.waiters.push({ seq, resolve, reject });
    });
  }

  /** Starts sampling latency at observer 0 into a fresh buffer of `size` samples. */
  sampleLatency(size: number): void {
    this.latency = new Float64Array(size);
    this.samples = 0;
  }

  /** The latency samples (ns) since `sampleLatency`, sorted; sampling stops. */
  takeLatency(): Float64Array {
    const taken = this.latency
      ? this.latency.slice(0, Math.min(this.samples, this.latency.length)).sort()
      : new Float64Array(0);
    this.latency = undefined;
    return taken;
  }

  /** Throws unless every observer has received exactly the `published` messages, in order. */
  verify(published: number): void {
    if (this.failure) throw this.failure;
    const behind = this.next.findIndex((next) => next !== published);
    if (behind >= 0 || this.delivered !== published) {
      throw new Error(
        `observer ${Math.max(behind, 0)} received ${this.next[Math.max(behind, 0)]} of ${published} messages`,
      );
    }
  }

  private advance(): void {
    while (this.counts[this.delivered & (MAX_IN_FLIGHT - 1)] === this.observers) {
      this.counts[this.delivered & (MAX_IN_FLIGHT - 1)] = 0;
      this.delivered++;
    }
    while (this.waiters.length > 0 && this.waiters[0]!.seq < this.delivered)
      this.waiters.shift()!.resolve();
  }
}
