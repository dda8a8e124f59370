/**
 * One rate-limit check: the context of the `rate-limit.check` TracingChannel, and the base of its
 * events.
 */
export interface RateLimitCheckTraceContext {
  /** The store's `keyPrefix` (`''` when it has none). */
  keyPrefix: string;
  /** The policy's name. */
  policy: string;
  /** The policy's counting algorithm. */
  algorithm: string;
  /** The caller key as given to `consume` (the client IP, user id, ... the guard resolved). */
  key: string;
  /** The units the request asked for. */
  cost: number;
  /** Set by Node when the check resolved: its `RateLimitResult`. */
  result?: unknown;
  /**
   * Set by Node when the check rejected (the store refused it, e.g. WRONGTYPE); an unreachable
   * store resolves by the `failure` policy instead.
   */
  error?: unknown;
}

/** Payload of `rate-limit.allowed` and `rate-limit.refused`: the outcome of one check. */
export interface RateLimitEvent {
  /** The store's `keyPrefix` (`''` when it has none). */
  keyPrefix: string;
  /** The policy's name. */
  policy: string;
  /** The policy's counting algorithm. */
  algorithm: string;
  /** The caller key as given to `consume`. */
  key: string;
  /** The units the request asked for. */
  cost: number;
  /** Whether the request was admitted. */
  allowed: boolean;
  /** The policy's limit. */
  limit: number;
  /** Requests still allowed (0 when refused). */
  remaining: number;
  /** When the limit fully resets (epoch ms). */
  resetAt: number;
  /** Seconds until a refused request may be retried (0 when admitted). */
  retryAfter: number;
  /** How long the check took, in ms (a refusal remembered in process takes no round trip). */
  durationMs: number;
}

/**
 * Payload of `rate-limit.unavailable`: the store could not be reached, and the policy's `failure`
 * answered.
 */
export interface RateLimitUnavailableEvent extends RateLimitEvent {
  /** `'open'` admitted the request, `'closed'` refused it, `'memory'` counted it in process. */
  failure: 'open' | 'closed' | 'memory';
}
