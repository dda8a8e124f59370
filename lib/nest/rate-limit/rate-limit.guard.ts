import {
  Inject,
  Injectable,
  Optional,
  type CanActivate,
  type ExecutionContext,
  type Type,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ContextClaims } from '../context-claims.js';
import { ttlToMs } from '../../common/ttl.js';
import {
  DEFAULT_POLICY_NAME,
  RATE_LIMIT_METADATA,
  SKIP_RATE_LIMIT_METADATA,
  STORE_RATE_LIMIT_OPTIONS,
} from './rate-limit.constants.js';
import type { RateLimitMetadata } from './rate-limit.decorator.js';
import type {
  RateLimitFailurePolicy,
  RateLimitPolicy,
  RateLimitResult,
} from '../../engine/rate-limit/rate-limit.interfaces.js';
import {
  RateLimitExceededException,
  RateLimitUnavailableException,
} from './rate-limit-exception.js';
import {
  rateLimitHeaders,
  retryAfterSeconds,
  writeRateLimitHeaders,
  type RateLimitOutcome,
  type RateLimitResponseLike,
} from './rate-limit-headers.js';
import { rateLimitKey, resolveTracker, routeScope } from './rate-limit-key.js';
import { StoreConfigurationError } from '../../errors/store.errors.js';
import { bindToStore } from '../store-bound.js';
import { DEFAULT_STORE_NAME, storeTokens } from '../store.tokens.js';
import type {
  RateLimitKey,
  RateLimitRule,
  StoreRateLimitOptions,
} from './rate-limit-options.interface.js';
import { rateLimitRuleList } from './rate-limit-rule.validation.js';
import { RateLimiterService } from '../../engine/rate-limit/rate-limiter.service.js';
import type { SkipRateLimitMetadata } from './skip-rate-limit.decorator.js';
import { rpcRateLimitError, wsRateLimitError } from './rate-limit-transport-error.js';

/**
 * One guard per call and store does the work, even when it runs both as `APP_GUARD` and from
 * `@RateLimit`.
 */
const claims = new ContextClaims();

/** What the guard hands the service for one rule: built once per rule. */
interface RulePolicy {
  /** The policy's name (`'default'` when the rule has none). */
  name: string;
  /**
   * The rule as a frozen `RateLimitPolicy`: the same object on every call, so the service validates
   * it once.
   */
  policy: RateLimitPolicy;
  /** The window in seconds (`w` of the `RateLimit-Policy` header). */
  windowSeconds: number;
}

/** A rule planned for one call: what to check, under which key. */
interface PlannedCheck {
  rule: RulePolicy;
  key: string;
}

/** What `throwRateLimitException` is told about a refused call. */
export interface RateLimitRefusal {
  /**
   * The policy that decides the answer: the first one the store could not check, else the one that
   * frees up last.
   */
  policy: string;
  /** Seconds until the call would be admitted (the `Retry-After` value). */
  retryAfter: number;
  /**
   * `true` when a policy could not be checked (store unreachable, `failure: 'closed'`): a 503, not
   * a 429. A refusal counted in process (`failure: 'memory'`) is a 429.
   */
  unavailable: boolean;
  /** Every policy that refused the call, with its result. */
  refused: ReadonlyArray<{ name: string; result: RateLimitResult }>;
}

/**
 * Enforces rate-limit policies with `RateLimiterService`. Applied by `@RateLimit` itself; register
 * it as `APP_GUARD` to apply the module `defaults` to every route (`@SkipRateLimit` opts out).
 *
 * Per call: the module defaults, then the controller's `@RateLimit` policies, then the handler's,
 * merged by name (a later policy of the same name replaces an earlier one), minus the policies
 * `@SkipRateLimit` names. Every policy counts the call; the call proceeds only if all admit it.
 * A refusal is a 429 (`RateLimitExceededException`) on HTTP and GraphQL, a `WsException`
 * (WebSocket) or `RpcException` (RPC) with the same body elsewhere; a store outage under
 * `failure: 'closed'` is a 503.
 *
 * The guard counts in its store: `RateLimitGuard` in the default store,
 * `RateLimitGuard.forStore(name)` in a named one (a policy with `store: name` is counted there).
 * Subclass it as Nest's `ThrottlerGuard`: override `shouldSkip`, `getTracker`, `generateKey` or
 * `throwRateLimitException`.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly defaults: readonly RateLimitRule[];
  /**
   * Each rule's policy, built on its first call (rules live as long as their class or this guard).
   */
  private readonly policies = new WeakMap<RateLimitRule, RulePolicy>();
  protected readonly options: StoreRateLimitOptions;

  constructor(
    @Inject(storeTokens().rootRateLimiter) protected readonly limiter: RateLimiterService,
    @Inject(Reflector) protected readonly reflector: Reflector,
    @Optional() @Inject(STORE_RATE_LIMIT_OPTIONS) options: StoreRateLimitOptions = {},
  ) {
    // Validated at bootstrap (StoreModule), once for every guard of the store; a subclass built
    // by hand gets its options as given.
    this.options = options ?? {};
    this.defaults =
      this.options.defaults === undefined
        ? []
        : this.ownDefaults(rateLimitRuleList(this.options.defaults));
  }

  /**
   * The guard of the store `name` (registered with `forRoot({ name })`); `@RateLimit({ store })`
   * applies it.
   */
  static forStore(name?: string): Type<RateLimitGuard> {
    return bindToStore(RateLimitGuard, name, (tokens) => [
      { token: tokens.rootRateLimiter },
      { token: Reflector },
      { token: tokens.rateLimitOptions, optional: true },
    ]);
  }

  /** The name of the store this guard counts in (`'default'` unless made by `forStore`). */
  protected get storeName(): string {
    return DEFAULT_STORE_NAME;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rules = this.rulesFor(context);
    if (rules.length === 0 || !claims.claim(context, this.storeName)) return true;
    if (await this.shouldSkip(context)) return true;
    const checks = await this.plan(context, rules);
    if (checks.length === 0) return true;
    const outcomes = await Promise.all(
      checks.map(async ({ rule, key }): Promise<RateLimitOutcome> => ({
        name: rule.name,
        windowSeconds: rule.windowSeconds,
        result: await this.limiter.consume(key, rule.policy),
      })),
    );
    const headers = rateLimitHeaders(this.options.headers ?? 'legacy', outcomes);
    writeRateLimitHeaders(this.getResponse(context), headers);
    const refused = outcomes.filter((outcome) => !outcome.result.allowed);
    if (refused.length === 0) return true;
    return this.throwRateLimitException(context, refusalOf(refused));
  }

  /** Whether this call is not limited at all (nothing is counted). Default: never. */
  protected shouldSkip(_context: ExecutionContext): boolean | Promise<boolean> {
    return false;
  }

  /**
   * Who the call is counted against, for the key source `key` (`'ip'`, `'user'` or a function);
   * `undefined` leaves the policies of that source out for this call. Default: as documented under
   * "Who is counted".
   */
  protected getTracker(context: ExecutionContext, key: RateLimitKey): Promise<string | undefined> {
    return resolveTracker(context, key);
  }

  /**
   * The counter's name for a policy and a tracker, before the store adds its prefix. Default:
   * `<scope>:<tracker>` (trackers longer than `MAX_PLAIN_CALLER_KEY` hashed), where `scope` is the
   * policy's `scope`, else `Controller.handler`.
   */
  protected generateKey(
    _context: ExecutionContext,
    scope: string,
    tracker: string,
    _rule: RateLimitRule,
  ): string {
    return rateLimitKey(scope, tracker);
  }

  /**
   * Throws the error a refused call answers with. Default: `RateLimitExceededException` (429), or
   * `RateLimitUnavailableException` (503) when the store could not be reached under
   * `failure: 'closed'`; as a `WsException` on WebSocket and an `RpcException` on RPC.
   */
  protected async throwRateLimitException(
    context: ExecutionContext,
    refusal: RateLimitRefusal,
  ): Promise<never> {
    const exception = refusal.unavailable
      ? new RateLimitUnavailableException(refusal.policy, refusal.retryAfter)
      : new RateLimitExceededException(refusal.policy, refusal.retryAfter);
    const type = context.getType<string>();
    if (type === 'ws') throw await wsRateLimitError(exception.getResponse());
    if (type === 'rpc') throw await rpcRateLimitError(exception.getResponse());
    throw exception;
  }

  /**
   * The response to set headers on: HTTP, or GraphQL's `context.res`; `undefined` elsewhere (no
   * headers).
   */
  protected getResponse(context: ExecutionContext): RateLimitResponseLike | undefined {
    const type = context.getType<string>();
    if (type === 'http')
      return context.switchToHttp().getResponse<RateLimitResponseLike | undefined>();
    if (type === 'graphql') {
      const gqlContext = context.getArgs()[2] as
        { res?: RateLimitResponseLike; reply?: RateLimitResponseLike } | null | undefined;
      return gqlContext && typeof gqlContext === 'object'
        ? (gqlContext.res ?? gqlContext.reply)
        : undefined;
    }
    return undefined;
  }

  /**
   * The module defaults count in this guard's store; a default naming another store is a mistake.
   */
  private ownDefaults(rules: readonly RateLimitRule[]): readonly RateLimitRule[] {
    const foreign = rules.find((rule) => rule.store !== undefined && rule.store !== this.storeName);
    if (foreign)
      throw new StoreConfigurationError(
        `Invalid options.rateLimit.defaults store "${foreign.store}": ` +
          `the defaults of a store count in that store ("${this.storeName}")`,
      );
    return rules.map((rule) => ({ ...rule, store: this.storeName }));
  }

  /**
   * The policies of this guard's store that apply to this call, merged by name, minus the skipped
   * ones.
   */
  private rulesFor(context: ExecutionContext): RateLimitRule[] {
    const handler = context.getHandler();
    const controller = context.getClass();
    const skipHandler = this.reflector.get<SkipRateLimitMetadata | undefined>(
      SKIP_RATE_LIMIT_METADATA,
      handler,
    );
    const skipClass = this.reflector.get<SkipRateLimitMetadata | undefined>(
      SKIP_RATE_LIMIT_METADATA,
      controller,
    );
    if (skipHandler === true || skipClass === true) return [];
    const skipped = new Set<string>([...(skipClass ?? []), ...(skipHandler ?? [])]);
    const merged = new Map<string, RateLimitRule>();
    const layers = [
      this.defaults,
      this.reflector.get<RateLimitMetadata | undefined>(RATE_LIMIT_METADATA, controller) ?? [],
      this.reflector.get<RateLimitMetadata | undefined>(RATE_LIMIT_METADATA, handler) ?? [],
    ];
    for (const layer of layers)
      for (const rule of layer) merged.set(rule.name ?? DEFAULT_POLICY_NAME, rule);
    return [...merged]
      .filter(
        ([name, rule]) =>
          !skipped.has(name) && (rule.store ?? DEFAULT_STORE_NAME) === this.storeName,
      )
      .map(([, rule]) => rule);
  }

  /**
   * Keys and service policies; a policy whose caller cannot be identified (RPC without a key
   * function) is left out.
   */
  private async plan(
    context: ExecutionContext,
    rules: readonly RateLimitRule[],
  ): Promise<PlannedCheck[]> {
    const trackers = new Map<RateLimitKey, Promise<string | undefined>>();
    const route = routeScope(context);
    const checks: Array<PlannedCheck | undefined> = await Promise.all(
      rules.map(async (rule) => {
        const source = rule.key ?? this.options.key ?? 'ip';
        if (!trackers.has(source)) trackers.set(source, this.getTracker(context, source));
        const tracker = await trackers.get(source);
        if (tracker === undefined) return undefined;
        return {
          rule: this.policyOf(rule),
          key: this.generateKey(context, rule.scope ?? route, tracker, rule),
        };
      }),
    );
    return checks.filter((check): check is PlannedCheck => check !== undefined);
  }

  /**
   * The rule's policy for the service, built on the rule's first call and kept (see `RulePolicy`).
   */
  private policyOf(rule: RateLimitRule): RulePolicy {
    let known = this.policies.get(rule);
    if (known === undefined) {
      known = rulePolicy(rule, this.options.failure);
      this.policies.set(rule, known);
    }
    return known;
  }
}

/**
 * The rule without `scope` / `key` / `store`, named, with the module's failure mode when it has
 * none.
 */
function rulePolicy(
  rule: RateLimitRule,
  moduleFailure: RateLimitFailurePolicy | undefined,
): RulePolicy {
  const name = rule.name ?? DEFAULT_POLICY_NAME;
  const policy: RateLimitPolicy = { name, limit: rule.limit, window: rule.window };
  if (rule.algorithm !== undefined) policy.algorithm = rule.algorithm;
  if (rule.blockDuration !== undefined) policy.blockDuration = rule.blockDuration;
  const failure = rule.failure ?? moduleFailure;
  if (failure !== undefined) policy.failure = failure;
  return { name, policy: Object.freeze(policy), windowSeconds: ttlToMs(rule.window) / 1000 };
}

/**
 * What decides the answer to a refused call: a store outage first (503), else the policy that frees
 * up last. A refusal `failure: 'memory'` counted in process is a count like the store's (429).
 */
function refusalOf(refused: readonly RateLimitOutcome[]): RateLimitRefusal {
  const unavailable = refused.find(
    ({ result }) =>
      RateLimiterService.isUnavailable(result) && !RateLimiterService.isCountedInProcess(result),
  );
  const worst =
    unavailable ?? refused.reduce((a, b) => (b.result.retryAfter > a.result.retryAfter ? b : a));
  return {
    policy: worst.name,
    retryAfter: retryAfterSeconds(refused),
    unavailable: unavailable !== undefined,
    refused: refused.map(({ name, result }) => ({ name, result })),
  };
}
