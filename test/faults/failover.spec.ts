/**
 * Failovers under traffic (issue 14): a Nest app keeps writing, reading, counting, caching,
 * rate limiting, publishing, appending to a durable stream and deleting by pattern while Redis
 * changes under it:
 *   a. Cluster: `CLUSTER FAILOVER` on a replica (graceful promotion);
 *   b. Cluster: a master SIGKILLed (its replica takes over after `cluster-node-timeout`);
 *   c. Cluster: a slot the traffic uses migrated (IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE), so
 *      the client meets ASK and then MOVED redirections (counted on the former owner);
 *   d. Sentinel: the master SIGKILLed, Sentinel promotes one of two replicas.
 * After each event, within 20 s of it: a whole round of writes (every key, so every master)
 * succeeds, reads return what was written after recovery, counters and rate limits count in Redis,
 * getOrSet caches again, pub/sub delivers again, the stream consumer receives new entries, and
 * SCAN-based `deleteByPattern` works; each check retries until the deadline, as an app would.
 * Every failure along the way is a `StoreError`, no call hangs, the consumer's pipeline (the
 * README's concatMap + ack) never errors, and no promise rejection goes unhandled. Each scenario
 * prints its write gap (first failed write to the first successful write of a key that had
 * failed), the checks' times, and the failures by error class; no thresholds apply to them.
 */
import 'reflect-metadata';
import { runInThisContext } from 'node:vm';
import { ConsoleLogger, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import calculateSlot from 'cluster-key-slot';
import { concatMap, type Subscription } from 'rxjs';
import {
  RateLimiterService,
  StoreCommandError,
  StoreError,
  StoreModule,
  StoreService,
  type RateLimitPolicy,
  type StoreModuleOptions,
} from '../../lib/index.js';
import { testKeyPrefix } from '../support/key-prefix.js';
import {
  redisCommand,
  startCluster,
  startSentinelGroup,
  type ClusterHandle,
  type RedisServerHandle,
  type SentinelHandle,
} from '../support/redis-servers.js';
import { waitFor } from '../support/timing.js';

const COMMAND_TIMEOUT_MS = 1_000;
/** How long after an event everything must work again. */
const RECOVERY_DEADLINE_MS = 20_000;
/** A call still pending after this long counts as hung (every call is bounded by commandTimeout). */
const HANG_MS = 10_000;
/** Pause between traffic rounds: pacing for a 2-core machine, not a wait for any condition. */
const ROUND_PAUSE_MS = 20;

/** The traffic's rate limit: never refuses, so a refusal or an `unavailable` result stands out. */
const TRAFFIC_POLICY: RateLimitPolicy = { name: 'traffic', limit: 1_000_000, window: '1m' };
/** Exact counting (every hit is a log entry): two checks in a row leave exactly one fewer. */
const VERIFY_POLICY: RateLimitPolicy = {
  name: 'verify',
  limit: 100,
  window: '1h',
  algorithm: 'sliding-log',
};

// ---------------------------------------------------------------------------------------------
// Unhandled rejections of the real process
// ---------------------------------------------------------------------------------------------

/*
 * Inside a Jest test file `process` is a sandboxed copy whose events never fire (jest-util's
 * createProcessObject gives it its own EventEmitter state); Node emits 'unhandledRejection' on the
 * real process object, which is the global of the main context.
 */
const realProcess = runInThisContext('process') as NodeJS.Process;
const unhandled: string[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason instanceof Error ? (reason.stack ?? reason.message) : String(reason));
};

// ---------------------------------------------------------------------------------------------
// What the app logs
// ---------------------------------------------------------------------------------------------

class RecordingLogger extends ConsoleLogger {
  readonly lines: Array<{ level: string; message: string; at: number }> = [];

  override log(message: unknown): void {
    this.lines.push({ level: 'log', message: String(message), at: Date.now() });
  }
  override warn(message: unknown): void {
    this.lines.push({ level: 'warn', message: String(message), at: Date.now() });
  }
  override error(message: unknown): void {
    this.lines.push({ level: 'error', message: String(message), at: Date.now() });
  }
  override fatal(message: unknown): void {
    this.lines.push({ level: 'fatal', message: String(message), at: Date.now() });
  }
  override debug(): void {}
  override verbose(): void {}

  /** Warnings and errors since `from`, one line each (distinct messages, counted). */
  digest(from: number): string {
    const counts = new Map<string, number>();
    for (const line of this.lines) {
      if (line.at < from || line.level === 'log') continue;
      // Numbers (counts, ports, ids, durations) vary from line to line: count the shapes.
      const shape = line.message.replace(/\s+/g, ' ').replace(/\d+/g, 'N').slice(0, 200);
      const text = `${line.level}: ${shape}`;
      counts.set(text, (counts.get(text) ?? 0) + 1);
    }
    return [...counts].map(([text, n]) => `    ${n} x ${text}`).join('\n') || '    (none)';
  }
}

// ---------------------------------------------------------------------------------------------
// Traffic
// ---------------------------------------------------------------------------------------------

/** How an operation failed: the error class (with the reply code of a StoreCommandError). */
function kindOf(error: unknown): string {
  if (error instanceof StoreCommandError) return `StoreCommandError(${error.replyCode ?? '-'})`;
  if (error instanceof StoreError) return error.name;
  if (error instanceof RateLimitUnavailable) return 'rate limit unavailable (failed open)';
  return `not a StoreError: ${error instanceof Error ? error.constructor.name : typeof error}`;
}

class RateLimitUnavailable extends Error {}

type OpName =
  'set' | 'increment' | 'get' | 'getOrSet' | 'rateLimit' | 'publish' | 'append' | 'deleteByPattern';

const WRITES: ReadonlySet<OpName> = new Set(['set', 'increment']);

interface LastWrite {
  value: string;
  ok: boolean;
  /** Date.now() when the call was made. */
  at: number;
}

/**
 * A loop of rounds, each running every operation once per key concurrently, until `stop()`. Every
 * call's outcome is recorded; no call can reject the loop.
 */
class Traffic {
  round = 0;
  ops = 0;
  /** The slowest call so far, and the longest round. */
  slowest = { what: '', ms: 0 };
  longestRoundMs = 0;
  /** Failures by kind (see `kindOf`), and one example message per kind. */
  readonly failures = new Map<string, { count: number; example: string; ops: Set<OpName> }>();
  /** Errors that are not StoreErrors (library bugs), with their stacks. */
  readonly foreign: string[] = [];
  /** Calls that did not settle within HANG_MS. */
  readonly hangs: string[] = [];
  /** Start time of the latest round whose writes (every key, every counter) all succeeded. */
  lastCleanRoundAt = 0;
  firstFailedWriteAt: number | undefined;
  lastFailedWriteAt: number | undefined;
  /** First successful write of a key whose write had failed, after `firstFailedWriteAt`. */
  firstRecoveredWriteAt: number | undefined;
  readonly lastWrite = new Map<string, LastWrite>();
  readonly received = new Set<string>();
  /** Stream entry ids appended (resolved) and delivered to the consumer (and acknowledged). */
  readonly appended = new Set<string>();
  readonly delivered = new Map<string, unknown>();
  readonly streamProblems: string[] = [];

  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private readonly failedKeys = new Set<string>();
  private consumer: Subscription | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly store: StoreService,
    private readonly limiter: RateLimiterService,
    /** Keys written (set) and read each round. */
    readonly keys: string[],
    readonly label: string,
  ) {}

  get channel(): string {
    return `events-${this.label}`;
  }
  get streamName(): string {
    return `jobs-${this.label}`;
  }
  get counters(): string[] {
    return this.keys.slice(0, 8).map((k) => `n:${k}`);
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.store.subscribe<string>(this.channel, (message) => {
      this.received.add(message);
    });
    this.consumer = this.store
      .stream<{ r: number | string }>(this.streamName, {
        group: 'g',
        consumer: 'c1',
        blockMs: 500,
        startFrom: '0',
      })
      .pipe(
        // The pattern the README gives: acknowledge at the end of handling, inside concatMap (so a
        // rejected ack errors the pipeline, as it would in an app written that way).
        concatMap(async (m) => {
          this.delivered.set(m.id, m.message.r);
          await m.ack().catch((error: unknown) => {
            this.streamProblems.push(`ack of ${m.id} rejected: ${explain(error)}`);
            throw error;
          });
        }),
      )
      .subscribe({
        error: (e: unknown) => this.streamProblems.push(`stream errored: ${explain(e)}`),
        complete: () => this.streamProblems.push('stream completed'),
      });
    this.running = true;
    this.loop = this.run();
  }

  /** Stops the loop (the round under way finishes) and the listeners. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.consumer?.unsubscribe();
    this.consumer = undefined;
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    await unsubscribe?.().catch(() => undefined);
  }

  /** True once a round started after `from` and all its writes succeeded. */
  cleanSince(from: number): boolean {
    return this.lastCleanRoundAt > from;
  }

  summary(): string {
    const kinds = [...this.failures].map(
      ([kind, f]) => `${kind}: ${f.count} [${[...f.ops].join(', ')}]`,
    );
    return (
      `${this.round} rounds (longest ${this.longestRoundMs} ms), ${this.ops} calls (slowest: ` +
      `${this.slowest.what} ${this.slowest.ms} ms); failures: ${kinds.join('; ') || 'none'}`
    );
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.runRound();
      if (this.running) await new Promise((resolve) => setTimeout(resolve, ROUND_PAUSE_MS));
    }
  }

  private async runRound(): Promise<void> {
    const r = ++this.round;
    const startedAt = Date.now();
    const { store, limiter } = this;
    const value = `r${r}`;
    const writes: Array<Promise<boolean>> = [];
    for (const key of this.keys) {
      writes.push(
        this.call('set', key, async () => {
          this.lastWrite.set(key, { value, ok: false, at: Date.now() });
          await store.set(key, value);
          this.lastWrite.set(key, { value, ok: true, at: this.lastWrite.get(key)!.at });
        }),
      );
    }
    for (const counter of this.counters)
      writes.push(this.call('increment', counter, () => store.increment(counter)));
    const others: Array<Promise<boolean>> = [
      ...this.keys.slice(0, 8).map((key) => this.call('get', key, () => store.get(key))),
      ...[0, 1, 2, 3].map((i) =>
        this.call('getOrSet', `cached:${i}`, () =>
          store.getOrSet(`cached:${this.label}:${i}`, () => ({ r }), { ttl: 2 }),
        ),
      ),
      this.call('rateLimit', 'caller', async () => {
        const result = await limiter.consume(`caller-${this.label}`, TRAFFIC_POLICY);
        if (RateLimiterService.isUnavailable(result)) throw new RateLimitUnavailable();
        if (!result.allowed) throw new Error(`refused: ${JSON.stringify(result)}`);
      }),
      this.call('publish', this.channel, () => store.publish(this.channel, value)),
      this.call('append', this.streamName, async () => {
        this.appended.add(await store.append(this.streamName, { r }, { maxLen: 10_000 }));
      }),
    ];
    if (r % 5 === 0) {
      others.push(
        this.call('deleteByPattern', 'tmp', async () => {
          await store.set(`tmp:${this.label}:${r}`, r);
          await store.deleteByPattern(`tmp:${this.label}:*`);
        }),
      );
    }
    const writeResults = await Promise.all(writes);
    await Promise.all(others);
    if (writeResults.every(Boolean)) this.lastCleanRoundAt = startedAt;
    this.longestRoundMs = Math.max(this.longestRoundMs, Date.now() - startedAt);
  }

  /** Runs one call, records how it ended; never rejects. */
  private async call(op: OpName, key: string, fn: () => Promise<unknown>): Promise<boolean> {
    this.ops += 1;
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => {
      timer = setTimeout(() => resolve('hung'), HANG_MS);
    });
    const outcome = await Promise.race([
      fn().then(
        () => ({ ok: true as const }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
      hung,
    ]);
    clearTimeout(timer);
    const now = Date.now();
    if (now - started > this.slowest.ms)
      this.slowest = {
        what: `${op} ${key}${outcome !== 'hung' && outcome.ok ? '' : ' (failed)'}`,
        ms: now - started,
      };
    if (outcome === 'hung') {
      this.hangs.push(`${op} ${key} (called at ${new Date(started).toISOString()})`);
      return false;
    }
    if (outcome.ok) {
      if (WRITES.has(op) && this.failedKeys.delete(key)) this.firstRecoveredWriteAt ??= now;
      return true;
    }
    const kind = kindOf(outcome.error);
    const entry = this.failures.get(kind) ?? { count: 0, example: '', ops: new Set<OpName>() };
    entry.count += 1;
    entry.ops.add(op);
    entry.example ||= `${op} ${key}: ${explain(outcome.error)}`;
    this.failures.set(kind, entry);
    if (kind.startsWith('not a StoreError'))
      this.foreign.push(`${op} ${key}: ${explain(outcome.error, true)}`);
    if (WRITES.has(op)) {
      this.firstFailedWriteAt ??= now;
      this.lastFailedWriteAt = now;
      this.failedKeys.add(key);
    }
    return false;
  }
}

function explain(error: unknown, stack = false): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : '';
  return stack ? `${error.stack ?? error.message}${cause}` : `${error.message}${cause}`;
}

// ---------------------------------------------------------------------------------------------
// Recovery checks
// ---------------------------------------------------------------------------------------------

/** Resolves to `call()`'s result once it succeeds, retrying (as the app would) until `deadline`. */
async function untilSucceeds<T>(
  what: string,
  deadline: number,
  call: () => Promise<T>,
): Promise<T> {
  let result: { value: T } | undefined;
  let lastError: unknown;
  await waitFor(
    async () => {
      try {
        result = { value: await call() };
        return true;
      } catch (error) {
        lastError = error;
        return false;
      }
    },
    Math.max(deadline - Date.now(), 1),
    `${what} (last error: ${explain(lastError)})`,
  ).catch((error: unknown) => {
    throw new Error(`${explain(error)}; last error: ${explain(lastError)}`);
  });
  return result!.value;
}

interface ScenarioContext {
  store: StoreService;
  limiter: RateLimiterService;
  logger: RecordingLogger;
  keys: string[];
  label: string;
}

interface EventOutcome {
  /** When the fault was injected. */
  eventAt: number;
  /** When the servers had settled (promotion seen, migration done): writes must work after it. */
  settledAt: number;
  /** What happened, for the printout. */
  detail: string;
}

/**
 * Runs traffic, injects the event, waits for recovery, checks every feature, prints the gap and
 * the failures, and asserts that every failure was a StoreError and nothing hung or went unhandled.
 */
async function underTraffic(
  context: ScenarioContext,
  event: (traffic: Traffic) => Promise<EventOutcome>,
): Promise<void> {
  const { store, limiter, logger, label } = context;
  const unhandledBefore = unhandled.length;
  const traffic = new Traffic(store, limiter, context.keys, label.replace(/\W+/g, '-'));
  /** Each check as it passes, with its time since the event: printed with the report. */
  const steps: string[] = [];
  let eventAt = Date.now();
  let recoveredAt: number | undefined;
  let detail = '(the event did not complete)';
  let logFrom = Date.now();
  const step = async <T>(name: string, check: () => Promise<T>): Promise<T> => {
    try {
      const value = await check();
      steps.push(`${name} +${Date.now() - eventAt} ms`);
      return value;
    } catch (error) {
      steps.push(`${name} FAILED at +${Date.now() - eventAt} ms`);
      throw error;
    }
  };
  try {
    await traffic.start();
    // Warm: the subscription and the consumer work, and a round succeeded entirely.
    const warmFrom = Date.now();
    await waitFor(
      () => traffic.cleanSince(warmFrom) && traffic.received.size > 0 && traffic.delivered.size > 0,
      RECOVERY_DEADLINE_MS,
      `traffic to run cleanly before ${label} (${traffic.summary()})`,
    );
    logFrom = Date.now();

    eventAt = Date.now();
    const outcome = await event(traffic);
    ({ eventAt, detail } = outcome);
    steps.push(`servers settled +${outcome.settledAt - eventAt} ms`);
    const deadline = eventAt + RECOVERY_DEADLINE_MS;
    const left = (): number => Math.max(deadline - Date.now(), 1);

    // Writes: a whole round (every key, so every master) succeeds after the servers settled.
    await step('a clean round', () =>
      waitFor(
        () => traffic.cleanSince(outcome.settledAt),
        left(),
        `every write to succeed again after ${label}`,
      ),
    );
    const recovered = Date.now();
    recoveredAt = recovered;

    // Each check retries until the deadline, as an app would: a client may still drop its
    // connection once more after the first clean round (ioredis reconnects when the Sentinel that
    // led the failover announces its end, even if it already follows the new master).

    // Reads return what was written after recovery.
    const verify = context.keys.map((key) => `verify:${key}`);
    const stamp = `after-${recovered}`;
    const readBack = await step('writes and reads', () =>
      untilSucceeds('writes and reads of the verify keys', deadline, async () => {
        await Promise.all(verify.map((key) => store.set(key, stamp)));
        return store.mget(verify);
      }),
    );
    expect(readBack).toEqual(verify.map(() => stamp));

    // Counters count once per call.
    const [n1, n2] = await step('counters', () =>
      untilSucceeds('two increments', deadline, async () => {
        const a = await store.increment(`verify-counter:${label}`);
        return [a, await store.increment(`verify-counter:${label}`)];
      }),
    );
    expect(n2).toBe(n1! + 1);

    // The rate limiter counts in Redis again (not unavailable; exact with a sliding log).
    let attempt = 0;
    const [first, second] = await step('rate limit', () =>
      untilSucceeds('two rate-limit checks that reach Redis', deadline, async () => {
        const caller = `verify-${recovered}-${++attempt}`;
        const results = [
          await limiter.consume(caller, VERIFY_POLICY),
          await limiter.consume(caller, VERIFY_POLICY),
        ];
        if (results.some((r) => RateLimiterService.isUnavailable(r)))
          throw new Error('the rate limiter could not reach Redis');
        return results;
      }),
    );
    expect(second!.remaining).toBe(first!.remaining - 1);

    // getOrSet stores through Redis again: a second call gets the first value, not its loader's.
    await step('getOrSet', () =>
      untilSucceeds('getOrSet to cache through Redis', deadline, async () => {
        const cacheKey = `verify-cache:${recovered}:${++attempt}`;
        const firstValue = await store.getOrSet(cacheKey, () => 'loaded');
        const secondValue = await store.getOrSet(cacheKey, () => 'loaded again');
        if (firstValue !== 'loaded' || secondValue !== 'loaded')
          throw new Error(`getOrSet answered ${firstValue}, then ${secondValue}`);
      }),
    );

    // Pub/sub delivers again: published on every poll until one arrives (at-most-once delivery).
    const marker = `after-${label}`;
    await step('pub/sub delivery', () =>
      waitFor(
        async () => {
          if (traffic.received.has(marker)) return true;
          await store.publish(traffic.channel, marker).catch(() => undefined);
          return false;
        },
        left(),
        `a message published after ${label} to arrive`,
      ),
    );

    // The stream consumer receives (and acknowledges) an entry appended after recovery.
    await step('stream delivery', async () => {
      const id = await untilSucceeds('an append', deadline, () =>
        store.append(traffic.streamName, { r: marker }),
      );
      await waitFor(
        () => {
          // A consumer whose pipeline errored receives nothing more: no use waiting.
          if (traffic.streamProblems.length > 0) throw new Error(traffic.streamProblems.join('; '));
          return traffic.delivered.has(id);
        },
        left(),
        `stream entry ${id} appended after ${label} to be delivered`,
      );
    });

    // SCAN-based deleteByPattern reaches every master again.
    const doomed = context.keys.map((key) => `doomed:${label}:${key}`);
    const [deleted, afterDelete] = await step('deleteByPattern', () =>
      untilSucceeds('deleteByPattern', deadline, async () => {
        await Promise.all(doomed.map((key) => store.set(key, 1)));
        const count = await store.deleteByPattern(`doomed:${label}:*`);
        return [count, await store.mget(doomed)] as const;
      }),
    );
    expect(deleted).toBe(doomed.length);
    expect(afterDelete).toEqual(doomed.map(() => null));

    await traffic.stop();

    // Every key whose latest write succeeded after recovery reads back that write (a key whose
    // latest write failed is left out: a failed write may or may not have been applied).
    const settledWrites = [...traffic.lastWrite].filter(([, w]) => w.ok && w.at >= recovered);
    expect(settledWrites.length).toBeGreaterThan(0);
    const values = await untilSucceeds('reading the last writes back', deadline, () =>
      store.mget(settledWrites.map(([key]) => key)),
    );
    expect(values).toEqual(settledWrites.map(([, w]) => w.value));

    expect(traffic.foreign).toEqual([]);
    expect(traffic.hangs).toEqual([]);
    expect(traffic.streamProblems).toEqual([]);
    expect(unhandled.slice(unhandledBefore)).toEqual([]);
  } finally {
    await traffic.stop();
    const { firstFailedWriteAt: failedAt, firstRecoveredWriteAt: backAt } = traffic;
    const gap =
      failedAt === undefined
        ? 'no write failed'
        : `${backAt === undefined ? 'never came back' : `${backAt - failedAt} ms`} (writes ` +
          `failed from +${failedAt - eventAt} ms to +${(traffic.lastFailedWriteAt ?? 0) - eventAt} ms ` +
          'after the event)';
    process.stdout.write(
      [
        `failover gap (${label}): ${gap}`,
        `  ${detail}; ${
          recoveredAt === undefined
            ? 'writes did NOT all succeed again'
            : `every write succeeded again ${recoveredAt - eventAt} ms after the event`
        }`,
        `  checks: ${steps.join(', ')}`,
        `  traffic: ${traffic.summary()}`,
        ...[...traffic.failures].map(([kind, f]) => `    e.g. ${kind}: ${f.example}`),
        ...traffic.foreign.map((text) => `    NOT A StoreError: ${text}`),
        ...traffic.hangs.map((text) => `    HUNG: ${text}`),
        ...traffic.streamProblems.map((text) => `    STREAM: ${text}`),
        ...unhandled.slice(unhandledBefore).map((text) => `    UNHANDLED: ${text}`),
        `  stream: ${traffic.appended.size} appends resolved, ${traffic.delivered.size} entries delivered`,
        `  app warnings and errors:\n${logger.digest(logFrom)}`,
        '',
      ].join('\n'),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Apps
// ---------------------------------------------------------------------------------------------

async function openApp(
  redis: StoreModuleOptions['redis'],
): Promise<{ app: INestApplicationContext; context: Omit<ScenarioContext, 'keys' | 'label'> }> {
  const logger = new RecordingLogger();
  const app = await NestFactory.createApplicationContext(
    StoreModule.forRoot({
      redis,
      keyPrefix: testKeyPrefix('failover'),
      commandTimeout: COMMAND_TIMEOUT_MS,
    }),
    { logger },
  );
  return {
    app,
    context: { store: app.get(StoreService), limiter: app.get(RateLimiterService), logger },
  };
}

/** `k:0`, `k:1`, … until every master serves at least `perMaster` of them (by their Redis key). */
async function keysOnEveryMaster(
  cluster: ClusterHandle,
  store: StoreService,
  perMaster = 4,
): Promise<string[]> {
  const topology = await cluster.topology();
  const counts = new Map(topology.masters.map((m) => [m.id, 0]));
  const keys: string[] = [];
  for (let i = 0; [...counts.values()].some((n) => n < perMaster); i++) {
    if (i > 10_000)
      throw new Error(`no keys found for some master: ${JSON.stringify([...counts])}`);
    const key = `k:${i}`;
    const owner = topology.masterOf(calculateSlot(store.redisKey(key))).id;
    counts.set(owner, (counts.get(owner) ?? 0) + 1);
    keys.push(key);
  }
  return keys;
}

/** `errorstat_ASK` / `errorstat_MOVED` of a node (Redis counts the redirections it replies). */
async function redirections(port: number): Promise<{ ask: number; moved: number }> {
  const text = String(await redisCommand(port, ['INFO', 'errorstats']));
  const count = (code: string): number =>
    Number(new RegExp(`errorstat_${code}:count=(\\d+)`).exec(text)?.[1] ?? 0);
  return { ask: count('ASK'), moved: count('MOVED') };
}

// ---------------------------------------------------------------------------------------------
// Specs
// ---------------------------------------------------------------------------------------------

beforeAll(() => {
  realProcess.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  realProcess.off('unhandledRejection', onUnhandled);
});

// Sentinel first: ioredis arms a 2 s timer for each Sentinel connection it drops on a reconnect
// (its default disconnectTimeout, which the module cannot set for them); run last, those would
// keep Jest from exiting within a second of the end.
describe('failovers under traffic: Redis Sentinel, a master with two replicas', () => {
  let group: SentinelHandle | undefined;
  let app: INestApplicationContext | undefined;
  let base: Omit<ScenarioContext, 'keys' | 'label'>;

  beforeAll(async () => {
    group = await startSentinelGroup('failover', { replicas: 2 });
    ({ app, context: base } = await openApp({
      sentinel: { sentinels: group.sentinels, name: group.name },
    }));
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await group?.stop();
  });

  it('d. the master killed with SIGKILL: the app follows the replica Sentinel promotes', async () => {
    const label = 'Sentinel SIGKILL master';
    const keys = Array.from({ length: 16 }, (_, i) => `k:${i}`);
    await underTraffic({ ...base, keys, label }, async () => {
      const master = await group!.currentMaster();
      const eventAt = Date.now();
      await master.kill();
      const promoted = await group!.waitForNewMaster(master, RECOVERY_DEADLINE_MS);
      const settledAt = Date.now();
      return {
        eventAt,
        settledAt,
        detail: `master ${master.port} killed, Sentinel promoted ${promoted.port} after ${settledAt - eventAt} ms`,
      };
    });
  }, 90_000);
});

describe('failovers under traffic: Redis Cluster, 3 masters with one replica each', () => {
  let cluster: ClusterHandle | undefined;
  let app: INestApplicationContext | undefined;
  let base: Omit<ScenarioContext, 'keys' | 'label'>;

  beforeAll(async () => {
    cluster = await startCluster(3, { replicasPerMaster: 1, nodeTimeoutMs: 2_000 });
    ({ app, context: base } = await openApp({ cluster: { nodes: cluster.nodes } }));
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await cluster?.stop();
  });

  /** The master serving the traffic's stream, and its replica (so the blocking consumer moves). */
  async function streamShard(
    label: string,
  ): Promise<{ master: RedisServerHandle; replica: RedisServerHandle }> {
    const topology = await cluster!.topology();
    const slot = calculateSlot(base.store.redisKey(`jobs-${label.replace(/\W+/g, '-')}`));
    const master = topology.masterOf(slot);
    const [replica] = topology.replicasOf(master);
    if (!master.server || !replica?.server)
      throw new Error(`slot ${slot}: no replica for master ${master.port}`);
    return { master: master.server, replica: replica.server };
  }

  it('a. CLUSTER FAILOVER on a replica: the app follows the graceful promotion', async () => {
    await cluster!.waitUntilHealthy();
    const label = 'CLUSTER FAILOVER';
    const keys = await keysOnEveryMaster(cluster!, base.store);
    await underTraffic({ ...base, keys, label }, async () => {
      const { master, replica } = await streamShard(label);
      const eventAt = Date.now();
      await cluster!.failover(replica);
      const promotedAt = Date.now();
      await cluster!.waitUntilHealthy(RECOVERY_DEADLINE_MS);
      return {
        eventAt,
        settledAt: Date.now(),
        detail:
          `replica ${replica.port} promoted over ${master.port} in ${promotedAt - eventAt} ms, ` +
          `cluster settled after ${Date.now() - eventAt} ms`,
      };
    });
  }, 90_000);

  it('b. a master killed with SIGKILL: the app follows its replica once the Cluster promotes it', async () => {
    await cluster!.waitUntilHealthy();
    const label = 'SIGKILL master';
    const keys = await keysOnEveryMaster(cluster!, base.store);
    await underTraffic({ ...base, keys, label }, async () => {
      const { master, replica } = await streamShard(label);
      const eventAt = Date.now();
      await cluster!.kill(master);
      await cluster!.waitUntilHealthy(RECOVERY_DEADLINE_MS);
      const settledAt = Date.now();
      const promoted = (await cluster!.topology()).nodes.find((n) => n.port === replica.port);
      expect(promoted?.role).toBe('master');
      return {
        eventAt,
        settledAt,
        detail:
          `master ${master.port} killed, replica ${replica.port} promoted, cluster settled after ` +
          `${settledAt - eventAt} ms (cluster-node-timeout ${cluster!.nodeTimeoutMs} ms)`,
      };
    });
  }, 90_000);

  it('c. a slot migrated under traffic: the app follows ASK, then MOVED', async () => {
    await cluster!.waitUntilHealthy();
    const label = 'slot migration';
    const keys = await keysOnEveryMaster(cluster!, base.store);
    // Keys of one slot (that of the first traffic key), written and read by every round.
    const slot = calculateSlot(base.store.redisKey(keys[0]!));
    for (
      let i = 0;
      keys.filter((k) => calculateSlot(base.store.redisKey(k)) === slot).length < 8;
      i++
    ) {
      if (i > 1_000_000) throw new Error(`no more keys found in slot ${slot}`);
      if (calculateSlot(base.store.redisKey(`m:${i}`)) === slot) keys.push(`m:${i}`);
    }
    const topology = await cluster!.topology();
    const source = topology.masterOf(slot);
    const target = topology.masters.find((m) => m.id !== source.id)!;
    const before = await redirections(source.port);
    let moved = 0;
    await underTraffic({ ...base, keys, label }, async (traffic) => {
      /** Until the traffic has run two more whole rounds (each one touches every key of the slot). */
      const twoRounds = async (): Promise<void> => {
        const from = traffic.round;
        await waitFor(() => traffic.round >= from + 2, RECOVERY_DEADLINE_MS, 'two traffic rounds');
      };
      const eventAt = Date.now();
      moved = await cluster!.migrateSlot(slot, target.server!, {
        batchSize: 2,
        beforeKeys: twoRounds,
        betweenBatches: twoRounds,
      });
      const settledAt = Date.now();
      await twoRounds();
      return {
        eventAt,
        settledAt,
        detail: `slot ${slot} (${moved} keys) moved from ${source.port} to ${target.port} in ${settledAt - eventAt} ms`,
      };
    });
    const after = await redirections(source.port);
    process.stdout.write(
      `  redirections replied by ${source.port}: ASK ${after.ask - before.ask}, MOVED ${after.moved - before.moved}\n`,
    );
    expect(moved).toBeGreaterThan(0);
    expect(after.ask).toBeGreaterThan(before.ask);
    expect(after.moved).toBeGreaterThan(before.moved);
  }, 90_000);
});
