import { channel, tracingChannel } from 'node:diagnostics_channel';
import {
  RATE_LIMIT_ALLOWED_CHANNEL,
  RATE_LIMIT_CHECK_TRACING_CHANNEL,
  RATE_LIMIT_REFUSED_CHANNEL,
  RATE_LIMIT_UNAVAILABLE_CHANNEL,
} from './channel-names.js';
import type {
  RateLimitCheckTraceContext,
  RateLimitEvent,
  RateLimitUnavailableEvent,
} from './rate-limit.events.js';

const allowed = channel(RATE_LIMIT_ALLOWED_CHANNEL);
const refused = channel(RATE_LIMIT_REFUSED_CHANNEL);
const unavailable = channel(RATE_LIMIT_UNAVAILABLE_CHANNEL);
const check = tracingChannel<unknown, RateLimitCheckTraceContext>(RATE_LIMIT_CHECK_TRACING_CHANNEL);

/**
 * What a check resolves to (a `RateLimitResult`; `unavailable` is its non-enumerable store-failure
 * mark).
 */
export interface RateLimitOutcome {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetAt: number;
  retryAfter: number;
  readonly unavailable?: boolean;
  /** Its non-enumerable mark of a check counted in process (`failure: 'memory'`). */
  readonly inProcess?: boolean;
}

/**
 * Whether anything listens to a rate-limit channel: while not, the limiter builds no context at
 * all.
 */
export function rateLimitObserved(): boolean {
  return (
    allowed.hasSubscribers ||
    refused.hasSubscribers ||
    unavailable.hasSubscribers ||
    check.hasSubscribers
  );
}

/**
 * Runs `run` (one check) under the `rate-limit.check` TracingChannel and publishes its outcome on
 * `rate-limit.allowed`, `.refused` or `.unavailable`. Call it only when `rateLimitObserved()`.
 */
export function observeRateLimit<R extends RateLimitOutcome>(
  run: () => Promise<R>,
  context: RateLimitCheckTraceContext,
): Promise<R> {
  const started = performance.now();
  const checked = check.hasSubscribers ? check.tracePromise(run, context) : run();
  return checked.then((result) => {
    publishOutcome(context, result, performance.now() - started);
    return result;
  });
}

function publishOutcome(
  context: RateLimitCheckTraceContext,
  result: RateLimitOutcome,
  durationMs: number,
): void {
  const target = result.unavailable === true ? unavailable : result.allowed ? allowed : refused;
  if (!target.hasSubscribers) return;
  const { keyPrefix, policy, algorithm, key, cost } = context;
  const { limit, remaining, resetAt, retryAfter } = result;
  const event: RateLimitEvent = {
    keyPrefix,
    policy,
    algorithm,
    key,
    cost,
    allowed: result.allowed,
    limit,
    remaining,
    resetAt,
    retryAfter,
    durationMs,
  };
  if (target !== unavailable) return target.publish(event);
  const failed: RateLimitUnavailableEvent = {
    ...event,
    failure: result.inProcess ? 'memory' : result.allowed ? 'open' : 'closed',
  };
  target.publish(failed);
}
