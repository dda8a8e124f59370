import { Inject, Injectable, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ContextClaims } from '../cache/cache-context.claims.js';
import { ttlToMs } from '../common/ttl.js';
import { DEFAULT_POLICY_NAME, RATE_LIMIT_METADATA, SKIP_RATE_LIMIT_METADATA, STORE_RATE_LIMIT_OPTIONS } from './rate-limit.constants.js';
import type { RateLimitMetadata } from './rate-limit.decorator.js';
import type { RateLimitPolicy } from './rate-limit.interfaces.js';
import { RateLimitExceededException, RateLimitUnavailableException } from './rate-limit-exception.js';
import { rateLimitHeaders, retryAfterSeconds, writeRateLimitHeaders, type RateLimitOutcome, type RateLimitResponseLike } from './rate-limit-headers.js';
import { rateLimitKey, resolveTracker, routeScope } from './rate-limit-key.js';
import type { RateLimitKey, RateLimitRule, StoreRateLimitOptions } from './rate-limit-options.interface.js';
import { validateRateLimitRules, validateStoreRateLimitOptions } from './rate-limit-rule.validation.js';
import { RateLimiterService } from './rate-limiter.service.js';
import type { SkipRateLimitMetadata } from './skip-rate-limit.decorator.js';
import { rpcRateLimitError, wsRateLimitError } from './rate-limit-transport-error.js';

/** One guard per call does the work, even when it runs both as `APP_GUARD` and from `@RateLimit`. */
const claims = new ContextClaims();

/** A policy resolved for one call: what to check, under which key. */
interface PlannedCheck {
  rule: RateLimitRule;
  policy: RateLimitPolicy;
  key: string;
}

/**
 * Enforces rate-limit policies with `RateLimiterService`. Applied by `@RateLimit` itself; register
 * it as `APP_GUARD` to apply the module `defaults` to every route (`@SkipRateLimit` opts out).
 *
 * Per call: the module defaults, then the controller's `@RateLimit` policies, then the handler's,
 * merged by name (a later policy of the same name replaces an earlier one), minus the policies
 * `@SkipRateLimit` names. Every policy counts the call; the call proceeds only if all admit it.
 * A refusal is a 429 (`RateLimitExceededException`) on HTTP and GraphQL, a `WsException` (WebSocket)
 * or `RpcException` (RPC) with the same body elsewhere; a store outage under `failure: 'closed'` is a 503.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly defaults: readonly RateLimitRule[];

  constructor(
    @Inject(RateLimiterService) private readonly limiter: RateLimiterService,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Optional() @Inject(STORE_RATE_LIMIT_OPTIONS) private readonly options: StoreRateLimitOptions = {},
  ) {
    this.options = options ?? {};
    validateStoreRateLimitOptions(this.options);
    this.defaults = this.options.defaults === undefined ? [] : validateRateLimitRules(this.options.defaults, 'rateLimit.defaults');
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!claims.claim(context)) return true;
    const rules = this.rulesFor(context);
    if (rules.length === 0) return true;
    const checks = await this.plan(context, rules);
    if (checks.length === 0) return true;
    const outcomes = await Promise.all(
      checks.map(async (check): Promise<RateLimitOutcome & { check: PlannedCheck }> => ({
        check,
        name: check.policy.name ?? DEFAULT_POLICY_NAME,
        windowSeconds: ttlToMs(check.policy.window) / 1000,
        result: await this.limiter.consume(check.key, check.policy),
      })),
    );
    const headers = rateLimitHeaders(this.options.headers ?? 'legacy', outcomes);
    writeRateLimitHeaders(this.responseOf(context), headers);
    const refused = outcomes.filter((outcome) => !outcome.result.allowed);
    if (refused.length === 0) return true;
    throw await this.refusal(context, refused);
  }

  /** The policies that apply to this call, merged by name, minus the skipped ones. */
  private rulesFor(context: ExecutionContext): RateLimitRule[] {
    const handler = context.getHandler();
    const controller = context.getClass();
    const skipHandler = this.reflector.get<SkipRateLimitMetadata | undefined>(SKIP_RATE_LIMIT_METADATA, handler);
    const skipClass = this.reflector.get<SkipRateLimitMetadata | undefined>(SKIP_RATE_LIMIT_METADATA, controller);
    if (skipHandler === true || skipClass === true) return [];
    const skipped = new Set<string>([...(skipClass ?? []), ...(skipHandler ?? [])]);
    const merged = new Map<string, RateLimitRule>();
    const layers = [
      this.defaults,
      this.reflector.get<RateLimitMetadata | undefined>(RATE_LIMIT_METADATA, controller) ?? [],
      this.reflector.get<RateLimitMetadata | undefined>(RATE_LIMIT_METADATA, handler) ?? [],
    ];
    for (const layer of layers) for (const rule of layer) merged.set(rule.name ?? DEFAULT_POLICY_NAME, rule);
    return [...merged].filter(([name]) => !skipped.has(name)).map(([, rule]) => rule);
  }

  /** Keys and service policies; a policy whose caller cannot be identified (RPC without a key function) is left out. */
  private async plan(context: ExecutionContext, rules: readonly RateLimitRule[]): Promise<PlannedCheck[]> {
    const trackers = new Map<RateLimitKey, Promise<string | undefined>>();
    const route = routeScope(context);
    const checks: Array<PlannedCheck | undefined> = await Promise.all(
      rules.map(async (rule) => {
        const source = rule.key ?? this.options.key ?? 'ip';
        if (!trackers.has(source)) trackers.set(source, resolveTracker(context, source));
        const tracker = await trackers.get(source);
        if (tracker === undefined) return undefined;
        const name = rule.name ?? DEFAULT_POLICY_NAME;
        return { rule, policy: this.policyOf(rule, name), key: rateLimitKey(rule.scope ?? route, tracker) };
      }),
    );
    return checks.filter((check): check is PlannedCheck => check !== undefined);
  }

  /** The `RateLimitPolicy` handed to the service: the rule without `scope` / `key`, with the module's failure mode. */
  private policyOf(rule: RateLimitRule, name: string): RateLimitPolicy {
    const policy: RateLimitPolicy = { name, limit: rule.limit, window: rule.window };
    if (rule.algorithm !== undefined) policy.algorithm = rule.algorithm;
    if (rule.blockDuration !== undefined) policy.blockDuration = rule.blockDuration;
    const failure = rule.failure ?? this.options.failure;
    if (failure !== undefined) policy.failure = failure;
    return policy;
  }

  /** The exception for a refused call: 503 if a refusal comes from a store outage, else 429; `WsException` on WebSocket. */
  private async refusal(context: ExecutionContext, refused: ReadonlyArray<RateLimitOutcome & { check: PlannedCheck }>): Promise<Error> {
    const unavailable = refused.find((outcome) => RateLimiterService.isUnavailable(outcome.result));
    const retryAfter = retryAfterSeconds(refused);
    const worst = unavailable ?? refused.reduce((a, b) => (b.result.retryAfter > a.result.retryAfter ? b : a));
    const exception = unavailable
      ? new RateLimitUnavailableException(worst.name, retryAfter)
      : new RateLimitExceededException(worst.name, retryAfter);
    const type = context.getType<string>();
    if (type === 'ws') return await wsRateLimitError(exception.getResponse());
    if (type === 'rpc') return await rpcRateLimitError(exception.getResponse());
    return exception;
  }

  /** The response to set headers on: HTTP, or GraphQL's `context.res`; `undefined` elsewhere. */
  private responseOf(context: ExecutionContext): RateLimitResponseLike | undefined {
    const type = context.getType<string>();
    if (type === 'http') return context.switchToHttp().getResponse<RateLimitResponseLike | undefined>();
    if (type === 'graphql') {
      const gqlContext = context.getArgs()[2] as { res?: RateLimitResponseLike; reply?: RateLimitResponseLike } | null | undefined;
      return gqlContext && typeof gqlContext === 'object' ? (gqlContext.res ?? gqlContext.reply) : undefined;
    }
    return undefined;
  }
}
