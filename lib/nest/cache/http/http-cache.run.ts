import type { Logger } from '@nestjs/common';
import { optionalTtlToMs } from '../../../common/ttl.js';
import type { StoreService } from '../../../store/store.service.js';
import type { HttpRequestLike } from '../cache-call-context.js';
import type { StoreCacheOptions } from '../../../engine/cache/cache-options.interface.js';
import type { CacheEntryPlan } from '../cache-plan.js';
import {
  isStoreFailure,
  runCached,
  type CacheRunOutcome,
  type CacheRunStatus,
} from '../cache-run.js';
import { responseSent, type HttpResponseLike } from '../http-cache-rules.js';
import { keyForLog, messageForLog } from '../../../engine/cache/key-for-log.js';
import {
  isHttpCacheEntry,
  isHttpVarySpec,
  type HttpCacheEntry,
  type HttpVarySpec,
} from './http-cache-entry.js';
import { replayEntry } from './http-replay.js';
import { captureResponse, type CapturedResponse } from './http-response-capture.js';
import { whyNotStored, type HttpStorePolicy } from './http-storability.js';
import { newVariantsId, sameVary, variantKey, varyNames } from './http-vary.js';

/** How one HTTP call of a `@Cacheable` handler is run through the cache. */
export interface HttpCacheRun {
  store: StoreService;
  /** The route key (scoped and prefixed) and the store options. */
  plan: CacheEntryPlan;
  request: HttpRequestLike;
  response: HttpResponseLike;
  /** Runs the handler (once per call, unless a shared load was not storable). */
  handle: () => Promise<unknown>;
  policy: HttpStorePolicy;
  /** Skip the read and refresh the entry (`Cache-Control: no-cache` with `honorNoCache`). */
  refresh: boolean;
  /** The module's `defaultTtl` in ms (the route's TTL when it names none). */
  defaultTtlMs: number | undefined;
  logger: Logger;
}

/** The body to answer with, and where it came from. */
export interface HttpCacheOutcome {
  body: unknown;
  status: CacheRunStatus;
}

/**
 * Reads or fills the entry of one HTTP call, answering as the handler did (status and headers
 * replayed). The route key holds either the response or, once the handler answered with `Vary`,
 * an `HttpVarySpec` that leads to the request's own variant (RFC 9111 §4.1).
 */
export function runHttpCached(run: HttpCacheRun): Promise<HttpCacheOutcome> {
  return new HttpCacheCall(run).answer();
}

/**
 * The state of one call: which entries its own handler runs produced, and what it answered with.
 */
class HttpCacheCall {
  /**
   * Entries produced by this call's handler runs, and whether each may be stored where it was
   * loaded.
   */
  private readonly loads = new WeakMap<HttpCacheEntry, boolean>();
  /** What the handler returned for an entry loaded by this call (the entry holds its wire form). */
  private readonly returned = new WeakMap<HttpCacheEntry, unknown>();
  /** The stored entry this call answered with (a background refresh starts from its headers). */
  private served: HttpCacheEntry | undefined;
  /** This call stored its response as a variant and the route's vary spec: a MISS, not a BYPASS. */
  private learned = false;

  constructor(private readonly run: HttpCacheRun) {}

  async answer(): Promise<HttpCacheOutcome> {
    if (!this.run.refresh) return this.fromRoute(false);
    const spec = await this.storedSpec();
    return spec ? this.fromVariant(spec, true) : this.fromRoute(true);
  }

  /** The route key: a response to answer with, or the spec that names the variant to read. */
  private async fromRoute(refresh: boolean, firstTry = true): Promise<HttpCacheOutcome> {
    const { value, status } = await this.cached(
      this.run.plan.key,
      () => this.loadForRoute(),
      refresh,
    );
    if (isHttpCacheEntry(value)) return this.outcome(value, status);
    if (isHttpVarySpec(value)) return this.fromVariant(value, false);
    // Something this interceptor did not write (an entry from before responses were stored whole):
    // replaced once.
    this.run.logger.debug(`${keyForLog(this.run.plan.key)} holds no HTTP response: replacing it`);
    return firstTry ? this.fromRoute(true, false) : this.uncached();
  }

  private async fromVariant(spec: HttpVarySpec, refresh: boolean): Promise<HttpCacheOutcome> {
    const key = variantKey(this.run.plan.key, spec, this.run.request);
    const { value, status } = await this.cached(key, () => this.loadForVariant(spec), refresh);
    return isHttpCacheEntry(value) ? this.outcome(value, status) : this.uncached();
  }

  /** Answers with an entry: this call's own response as it is, a stored one replayed. */
  private outcome(entry: HttpCacheEntry, status: CacheRunStatus): HttpCacheOutcome {
    // This call's own response goes out as the handler returned it (outer interceptors may still
    // transform it).
    if (this.loads.has(entry))
      return {
        body: this.returned.get(entry),
        status: status === 'bypass' && this.learned ? 'miss' : status,
      };
    replayEntry(this.run.response, entry);
    this.served = entry;
    return { body: entry.body, status };
  }

  private async uncached(): Promise<HttpCacheOutcome> {
    const { body } = await this.capture();
    return { body, status: 'bypass' };
  }

  private cached(
    key: string,
    load: () => Promise<HttpCacheEntry>,
    refresh: boolean,
  ): Promise<CacheRunOutcome<unknown>> {
    return runCached<unknown>({
      store: this.run.store,
      plan: { ...this.run.plan, key },
      load,
      storable: (value) => isHttpCacheEntry(value) && this.loads.get(value) === true,
      refresh,
      logger: this.run.logger,
    });
  }

  /** A load for the route key: stored there, unless it varies, then stored as the first variant. */
  private async loadForRoute(): Promise<HttpCacheEntry> {
    const captured = await this.capture();
    const reason = whyNotStored(captured, this.run.policy);
    const vary = varyNames(captured.headers['vary']);
    if (reason === undefined && vary !== '*' && vary.length > 0) {
      await this.learn(captured.entry, vary);
      return this.loaded(captured, false);
    }
    return this.loaded(captured, reason === undefined, reason);
  }

  /**
   * A load for a variant: stored when the response still varies on the spec's headers, else the
   * spec is dropped.
   */
  private async loadForVariant(spec: HttpVarySpec): Promise<HttpCacheEntry> {
    const captured = await this.capture();
    const differs = !sameVary(varyNames(captured.headers['vary']), spec.vary);
    if (differs && this.run.policy.fills)
      await this.quietly('forget the vary spec of', () => this.run.store.delete(this.run.plan.key));
    const reason =
      whyNotStored(captured, this.run.policy) ??
      (differs
        ? 'its Vary differs from the route’s (learned again on the next request)'
        : undefined);
    if (reason === undefined) await this.extendSpec();
    return this.loaded(captured, reason === undefined, reason);
  }

  private loaded(captured: CapturedResponse, storable: boolean, reason?: string): HttpCacheEntry {
    if (reason !== undefined)
      this.run.logger.debug(`Response for ${keyForLog(this.run.plan.key)} not stored: ${reason}`);
    this.loads.set(captured.entry, storable);
    this.returned.set(captured.entry, captured.body);
    return captured.entry;
  }

  /**
   * Runs the handler; after the stale answer went out (a background refresh), from that answer's
   * headers.
   */
  private capture(): Promise<CapturedResponse> {
    const base = responseSent(this.run.response) ? this.served?.headers : undefined;
    return captureResponse(this.run.response, this.run.handle, base);
  }

  /**
   * First response with `Vary`: stores it as a variant of a new set, then the spec naming that set.
   */
  private async learn(entry: HttpCacheEntry, vary: string[]): Promise<void> {
    const spec: HttpVarySpec = { kind: 'http-vary', vary, variants: newVariantsId() };
    const { hardTimeout, softTimeout, ...write } = this.run.plan.options;
    this.learned = await this.quietly('store the first variant of', async () => {
      await this.run.store.getOrSetWithStatus(
        variantKey(this.run.plan.key, spec, this.run.request),
        () => entry,
        write,
      );
      await this.run.store.set(this.run.plan.key, spec, this.specOptions());
    });
  }

  /** The spec lives as long as the variants it leads to: each stored variant extends it. */
  private async extendSpec(): Promise<void> {
    const lifetimeMs = this.specLifetimeMs();
    if (lifetimeMs === undefined) return;
    await this.quietly('extend the vary spec of', () =>
      this.run.store.expire(this.run.plan.key, `${lifetimeMs}ms`),
    );
  }

  /**
   * The spec is never stale (it has no freshness of its own): it lives for a variant's TTL and
   * grace.
   */
  private specOptions(): { ttl?: `${number}ms`; tags?: string[] } {
    const lifetimeMs = this.specLifetimeMs();
    const tags = this.run.plan.options.tags;
    return {
      ...(lifetimeMs === undefined ? {} : { ttl: `${lifetimeMs}ms` as const }),
      ...(tags ? { tags } : {}),
    };
  }

  private specLifetimeMs(): number | undefined {
    const options: StoreCacheOptions = this.run.plan.options;
    const ttlMs = optionalTtlToMs(options.ttl, this.run.defaultTtlMs);
    return ttlMs === undefined
      ? undefined
      : ttlMs + (optionalTtlToMs(options.grace, undefined) ?? 0);
  }

  /** The route's spec, for a refresh (which must reach the request's variant, not the spec). */
  private async storedSpec(): Promise<HttpVarySpec | undefined> {
    let value: unknown = null;
    await this.quietly('read', async () => {
      value = await this.run.store.get(this.run.plan.key);
    });
    return isHttpVarySpec(value) ? value : undefined;
  }

  /**
   * Runs a store operation whose failure only costs caching: logged, never thrown. `true` when it
   * succeeded.
   */
  private async quietly(what: string, operation: () => Promise<unknown>): Promise<boolean> {
    try {
      await operation();
      return true;
    } catch (error) {
      if (!isStoreFailure(error)) throw error;
      const key = this.run.plan.key;
      this.run.logger.warn(`Could not ${what} ${keyForLog(key)}: ${messageForLog(error, key)}`);
      return false;
    }
  }
}
