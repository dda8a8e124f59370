import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type {
  RateLimitArgs,
  RateLimitKeys,
  RawRateLimitReply,
} from '../../drivers/store-driver.interface.js';
import { StoreConnectionError } from '../../errors/store.errors.js';
import { KeySpace } from '../../keys/key-space.js';
import type { StoreContext } from '../store-context.js';
import { rateLimitAlgorithmOf } from './algorithms/registry.js';
import { BlockedKeys } from './blocked-keys.js';
import { callerKeyOf } from './caller-key.js';
import { InProcessCounts } from './in-process-counts.js';
import { observeRateLimit, rateLimitObserved } from '../../telemetry/rate-limit.telemetry.js';
import {
  assertRateLimitCost,
  assertRateLimitCostFits,
  resolveRateLimitPolicy,
  type ResolvedRateLimitPolicy,
} from './rate-limit-policy.js';
import { RateLimitStateKeys } from './rate-limit-state-keys.js';
import { RateLimitResetBus, type RateLimitReset } from './reset-bus.js';
import type {
  RateLimitFailurePolicy,
  RateLimitPolicy,
  RateLimitResult,
} from './rate-limit.interfaces.js';

/** Module-level defaults a `RateLimiterService` applies to policies that do not set their own. */
export interface RateLimiterDefaults {
  /** What to do when the store is unreachable. Default `'open'`. */
  failure?: RateLimitFailurePolicy;
  /** How many refused keys are remembered in process at most, per policy. Default 10,000. */
  maxBlockedKeys?: number;
}

/** How often (at most) the "store unreachable" warning is logged. */
const WARN_INTERVAL_MS = 10_000;

/** The internal channel resets are announced on (`RateLimitResetBus`). */
const RESET_CHANNEL = 'bus:rl';

/** What the failure policy adds to a result, as non-enumerable marks. */
interface FailureMarks {
  unavailable?: boolean;
  inProcess?: boolean;
}

/**
 * Counts requests against rate-limit policies in the store: one atomic round trip per check (a Lua
 * script on Redis, on the server's clock), the same results on the memory driver.
 *
 * - Refused keys are remembered in process until they may pass again, so a flood from one refused
 *   client is answered without store round trips.
 * - When the store cannot be reached (it fails within `commandTimeout`), the policy's `failure`
 *   decides: `'open'` admits (and logs a warning, at most every 10 s), `'closed'` refuses with
 *   `retryAfter` 1, `'memory'` counts in process with the same algorithm (this instance only, at
 *   most 10,000 keys, least recently checked dropped first) until a check reaches the store again,
 *   which drops the in-process counts. Such results carry a non-enumerable `unavailable: true`.
 * - `reset` is cluster-wide: announced on an internal channel (driver with pub/sub), so every
 *   instance forgets the refusal it remembers for the key.
 * - Bad input (key, policy, cost) throws a `StoreValidationError` before anything is sent.
 */
export class RateLimiterService implements BeforeApplicationShutdown {
  private readonly keys: RateLimitStateKeys;
  private readonly blocked: BlockedKeys;
  private readonly resolved = new WeakMap<RateLimitPolicy, ResolvedRateLimitPolicy>();
  private readonly defaultFailure: RateLimitFailurePolicy;
  private readonly logger = new Logger('RateLimiterService');
  private lastWarningAt = 0;
  private suppressedWarnings = 0;
  /** What `failure: 'memory'` counted while the store was unreachable; null while it answers. */
  private counts: InProcessCounts | null = null;
  /** Cluster-wide resets; null when the driver has no pub/sub (resets then stay local). */
  private readonly resets: RateLimitResetBus | null;
  /**
   * Bumped whenever a remembered refusal may have become stale (a reset, made here or heard; resets
   * possibly missed): a refusal is remembered only if this did not change while its check ran.
   */
  private generation = 0;

  constructor(
    private readonly context: StoreContext,
    defaults: RateLimiterDefaults = {},
  ) {
    const { driver, options } = context;
    const space = new KeySpace(options.keyPrefix, options.internalSegment);
    this.keys = new RateLimitStateKeys(space.rateLimitBase);
    this.blocked = new BlockedKeys(defaults.maxBlockedKeys ?? 10_000);
    this.defaultFailure = defaults.failure ?? 'open';
    this.resets = driver.capabilities.has('pubsub')
      ? new RateLimitResetBus(driver, space.internalChannel(RESET_CHANNEL), this.logger, {
          reset: (reset) => this.heard(reset),
          missed: () => this.forgetRefusals(),
        })
      : null;
    // In process, listening costs no connection: from the start (see RateLimitResetBus).
    if (driver.kind === 'memory') this.resets?.listen();
  }

  /**
   * Counts `cost` units (default 1) for `key` under `policy`, if they fit. A `cost` of 0 only
   * reports (see `peek`). Resolves to whether the request is admitted, how many remain, when the
   * limit fully resets and, when refused, after how many seconds to retry.
   */
  consume(key: string, policy: RateLimitPolicy, cost = 1): Promise<RateLimitResult> {
    try {
      assertRateLimitCost(cost);
      const resolved = this.resolve(policy);
      assertRateLimitCostFits(cost, resolved);
      if (!rateLimitObserved()) return this.check(key, resolved, cost);
      const trace = {
        keyPrefix: this.context.options.keyPrefix,
        policy: resolved.name,
        algorithm: resolved.algorithm.id,
        key,
        cost,
      };
      return observeRateLimit(() => this.check(key, resolved, cost), trace);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Reports what a request of cost 1 would get now, without counting anything. */
  peek(key: string, policy: RateLimitPolicy): Promise<RateLimitResult> {
    try {
      return this.check(key, this.resolve(policy), 0);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Forgets everything counted for `key` under `policy` (and lifts a block), on every instance:
   * the state is deleted in the store, then the reset is announced on an internal channel so other
   * instances forget the refusal (and the `failure: 'memory'` count) they hold in process. On a
   * driver without pub/sub only this instance forgets; others hold a remembered refusal until its
   * retry time. Store failures reject with the store's typed error (resetting is an explicit act,
   * not something to fail open); a reset is safe to repeat.
   */
  async reset(key: string, policy: RateLimitPolicy): Promise<void> {
    const resolved = this.resolve(policy);
    const callerKey = callerKeyOf(key);
    const keys = this.keys.of(resolved.name, callerKey, resolved.algorithm);
    this.forget(resolved.scope, callerKey, keys);
    await this.context.driver.delete([keys.state, keys.block]);
    // After the delete: an instance that hears it and asks the store finds the state gone.
    await this.resets?.announce({
      algorithm: resolved.algorithm.id,
      name: resolved.name,
      key: callerKey,
    });
  }

  /**
   * Nest hook: stops listening for other instances' resets, before the store closes its
   * connections.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.resets?.close();
  }

  /**
   * The result of a check under the store-failure policy (`unavailable: true`), rather than a
   * count in the store: `'open'`, `'closed'`, or a count in process under `'memory'`.
   */
  static isUnavailable(result: RateLimitResult): boolean {
    return (result as RateLimitResult & FailureMarks).unavailable === true;
  }

  /**
   * The result of a check counted in process under `failure: 'memory'` while the store was
   * unreachable (it is also `unavailable`): a refusal is a real one, the guard answers 429.
   */
  static isCountedInProcess(result: RateLimitResult): boolean {
    return (result as RateLimitResult & FailureMarks).inProcess === true;
  }

  /**
   * Validated once per policy object: `RateLimitGuard` builds one frozen policy per rule and passes
   * it on every request, as does a caller that keeps its policy in a constant. A policy object
   * built per call is validated on every call.
   */
  private resolve(policy: RateLimitPolicy): ResolvedRateLimitPolicy {
    const known =
      typeof policy === 'object' && policy !== null ? this.resolved.get(policy) : undefined;
    if (known) return known;
    const resolved = resolveRateLimitPolicy(policy, {
      defaultFailure: this.defaultFailure,
      maxNameLength: this.context.options.maxKeyLength,
    });
    this.resolved.set(policy, resolved);
    return resolved;
  }

  private check(
    key: string,
    policy: ResolvedRateLimitPolicy,
    cost: number,
  ): Promise<RateLimitResult> {
    key = callerKeyOf(key);
    const known = this.blocked.lookup(policy.scope, key);
    // A remembered refusal answers in this tick, without a round trip.
    if (known) return Promise.resolve(refusal(policy.limit, known.resetAt, known.leftMs));
    return this.checkInStore(key, policy, cost);
  }

  private async checkInStore(
    key: string,
    policy: ResolvedRateLimitPolicy,
    cost: number,
  ): Promise<RateLimitResult> {
    const keys = this.keys.of(policy.name, key, policy.algorithm);
    const args: RateLimitArgs = {
      limit: policy.limit,
      windowMs: policy.windowMs,
      cost,
      blockMs: policy.blockMs,
    };
    const generation = this.generation;
    let reply: RawRateLimitReply;
    try {
      reply = await this.context.driver.rateLimit(policy.algorithm, keys, args);
    } catch (error) {
      if (!(error instanceof StoreConnectionError)) throw error;
      return this.unavailable(policy, keys, args, error);
    }
    if (this.counts !== null) this.handBack();

    if (reply.allowed) return resultOf(policy.limit, reply);
    // A refusal for one unit (or a block) holds for every check until retryAfter; one for a
    // larger cost does not (a smaller request may still fit), so only the former is remembered.
    // Not if a reset came meanwhile: the reply may predate it.
    if (
      (cost <= 1 || policy.blockMs > 0) &&
      reply.retryAfterMs > 0 &&
      this.generation === generation
    ) {
      const resetAt = reply.serverNowMs + reply.resetAfterMs;
      this.blocked.remember(policy.scope, key, reply.retryAfterMs, resetAt);
      this.resets?.listen();
    }
    return resultOf(policy.limit, reply);
  }

  /**
   * The failure policy's answer when the store is unreachable. Under `'memory'` a refusal is not
   * remembered with the store's: it must not outlive the outage (the store decides once back).
   */
  private unavailable(
    policy: ResolvedRateLimitPolicy,
    keys: RateLimitKeys,
    args: RateLimitArgs,
    error: StoreConnectionError,
  ): RateLimitResult {
    this.warn(policy, error);
    if (policy.failure === 'memory') {
      this.counts ??= new InProcessCounts();
      const counted = resultOf(policy.limit, this.counts.check(policy.algorithm, keys, args));
      return marked(counted, { unavailable: true, inProcess: true });
    }
    const now = Date.now();
    const result: RateLimitResult =
      policy.failure === 'open'
        ? {
            allowed: true,
            limit: policy.limit,
            remaining: policy.limit,
            resetAt: now + policy.windowMs,
            retryAfter: 0,
          }
        : {
            allowed: false,
            limit: policy.limit,
            remaining: 0,
            resetAt: now + 1_000,
            retryAfter: 1,
          };
    return marked(result, { unavailable: true });
  }

  /** A check reached the store again: what was counted in process meanwhile is dropped. */
  private handBack(): void {
    this.counts = null;
    this.logger.log('Rate limits are counted in the store again; in-process counts dropped');
  }

  /** Forgets, in this process, what is held for one key (a reset). */
  private forget(scope: string, key: string, keys: RateLimitKeys): void {
    this.generation++;
    this.blocked.forget(scope, key);
    this.counts?.forget(keys);
  }

  /** Another instance reset a key. */
  private heard({ algorithm: id, name, key }: RateLimitReset): void {
    const algorithm = rateLimitAlgorithmOf(id);
    // The scope as `resolveRateLimitPolicy` builds it; an algorithm unknown here has no count.
    this.generation++;
    this.blocked.forget(`${id}:${name}`, key);
    if (algorithm !== undefined) this.counts?.forget(this.keys.of(name, key, algorithm));
  }

  /** Resets may have been missed: every remembered refusal is asked of the store again. */
  private forgetRefusals(): void {
    this.generation++;
    this.blocked.clear();
  }

  private warn(policy: ResolvedRateLimitPolicy, error: StoreConnectionError): void {
    const now = Date.now();
    if (now - this.lastWarningAt < WARN_INTERVAL_MS) {
      this.suppressedWarnings++;
      return;
    }
    const suppressed =
      this.suppressedWarnings > 0
        ? ` (${this.suppressedWarnings} more since the last warning)`
        : '';
    this.lastWarningAt = now;
    this.suppressedWarnings = 0;
    const outcome = OUTCOMES[policy.failure];
    this.logger.warn(
      `Rate limit "${policy.name}" cannot be checked, ${outcome}: ${error.message}${suppressed}`,
    );
  }
}

/** What the "store unreachable" warning says each failure policy does. */
const OUTCOMES: Record<RateLimitFailurePolicy, string> = {
  open: 'admitting requests (failure: open)',
  closed: 'refusing requests (failure: closed)',
  memory: 'counting in this process until it answers (failure: memory)',
};

/** A reply, from the store or counted in process, as a result. */
function resultOf(limit: number, reply: RawRateLimitReply): RateLimitResult {
  const resetAt = reply.serverNowMs + reply.resetAfterMs;
  if (!reply.allowed) return refusal(limit, resetAt, reply.retryAfterMs);
  return { allowed: true, limit, remaining: reply.remaining, resetAt, retryAfter: 0 };
}

/** Adds the failure policy's marks, non-enumerable (a result serializes as any other). */
function marked(result: RateLimitResult, marks: FailureMarks): RateLimitResult {
  for (const [name, value] of Object.entries(marks))
    Object.defineProperty(result, name, { value, enumerable: false });
  return result;
}

function refusal(limit: number, resetAt: number, retryAfterMs: number): RateLimitResult {
  return {
    allowed: false,
    limit,
    remaining: 0,
    resetAt,
    retryAfter: Math.max(1, Math.ceil(retryAfterMs / 1000)),
  };
}
