import { Logger } from '@nestjs/common';
import type { RawRateLimitReply } from '../../drivers/store-driver.interface.js';
import { StoreConnectionError } from '../../errors/store.errors.js';
import { KeySpace } from '../../keys/key-space.js';
import type { StoreContext } from '../store-context.js';
import { BlockedKeys } from './blocked-keys.js';
import { callerKeyOf } from './caller-key.js';
import { observeRateLimit, rateLimitObserved } from '../../telemetry/rate-limit.telemetry.js';
import {
  assertRateLimitCost,
  assertRateLimitCostFits,
  resolveRateLimitPolicy,
  type ResolvedRateLimitPolicy,
} from './rate-limit-policy.js';
import { RateLimitStateKeys } from './rate-limit-state-keys.js';
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

/**
 * Counts requests against rate-limit policies in the store: one atomic round trip per check (a Lua
 * script on Redis, on the server's clock), the same results on the memory driver.
 *
 * - Refused keys are remembered in process until they may pass again, so a flood from one refused
 *   client is answered without store round trips.
 * - When the store cannot be reached (it fails within `commandTimeout`), the policy's `failure`
 *   decides: `'open'` admits (and logs a warning, at most every 10 s), `'closed'` refuses with
 *   `retryAfter` 1. Such results carry a non-enumerable `unavailable: true`.
 * - Bad input (key, policy, cost) throws a `StoreValidationError` before anything is sent.
 */
export class RateLimiterService {
  private readonly keys: RateLimitStateKeys;
  private readonly blocked: BlockedKeys;
  private readonly resolved = new WeakMap<RateLimitPolicy, ResolvedRateLimitPolicy>();
  private readonly defaultFailure: RateLimitFailurePolicy;
  private readonly logger = new Logger('RateLimiterService');
  private lastWarningAt = 0;
  private suppressedWarnings = 0;

  constructor(
    private readonly context: StoreContext,
    defaults: RateLimiterDefaults = {},
  ) {
    this.keys = new RateLimitStateKeys(
      new KeySpace(context.options.keyPrefix, context.options.internalSegment).rateLimitBase,
    );
    this.blocked = new BlockedKeys(defaults.maxBlockedKeys ?? 10_000);
    this.defaultFailure = defaults.failure ?? 'open';
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
   * Forgets everything counted for `key` under `policy` (and lifts a block). Store failures reject
   * with the store's typed error: resetting is an explicit act, not something to fail open.
   */
  async reset(key: string, policy: RateLimitPolicy): Promise<void> {
    const resolved = this.resolve(policy);
    const callerKey = callerKeyOf(key);
    const keys = this.keys.of(resolved.name, callerKey, resolved.algorithm);
    this.blocked.forget(resolved.scope, callerKey);
    await this.context.driver.delete([keys.state, keys.block]);
  }

  /**
   * The result of a check under the store-failure policy (`unavailable: true`), rather than a
   * count.
   */
  static isUnavailable(result: RateLimitResult): boolean {
    return (result as RateLimitResult & { unavailable?: boolean }).unavailable === true;
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
    let reply: RawRateLimitReply;
    try {
      reply = await this.context.driver.rateLimit(policy.algorithm, keys, {
        limit: policy.limit,
        windowMs: policy.windowMs,
        cost,
        blockMs: policy.blockMs,
      });
    } catch (error) {
      if (!(error instanceof StoreConnectionError)) throw error;
      return this.unavailable(policy, error);
    }

    const resetAt = reply.serverNowMs + reply.resetAfterMs;
    if (reply.allowed)
      return {
        allowed: true,
        limit: policy.limit,
        remaining: reply.remaining,
        resetAt,
        retryAfter: 0,
      };
    // A refusal for one unit (or a block) holds for every check until retryAfter; one for a
    // larger cost does not (a smaller request may still fit), so only the former is remembered.
    if ((cost <= 1 || policy.blockMs > 0) && reply.retryAfterMs > 0)
      this.blocked.remember(policy.scope, key, reply.retryAfterMs, resetAt);
    return refusal(policy.limit, resetAt, reply.retryAfterMs);
  }

  /** The failure policy's answer when the store is unreachable. */
  private unavailable(
    policy: ResolvedRateLimitPolicy,
    error: StoreConnectionError,
  ): RateLimitResult {
    this.warn(policy, error);
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
    Object.defineProperty(result, 'unavailable', { value: true, enumerable: false });
    return result;
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
    const outcome =
      policy.failure === 'open'
        ? 'admitting requests (failure: open)'
        : 'refusing requests (failure: closed)';
    this.logger.warn(
      `Rate limit "${policy.name}" cannot be checked, ${outcome}: ${error.message}${suppressed}`,
    );
  }
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
