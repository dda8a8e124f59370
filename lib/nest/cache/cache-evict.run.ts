import type { Logger } from '@nestjs/common';
import { StoreConnectionError } from '../../errors/store.errors.js';
import type { StoreService } from '../../store/store.service.js';
import type { EvictionRetries } from '../../engine/cache/eviction-retries.js';
import { CACHE_KEY_PREFIX, USER_CACHE_KEY_PREFIX } from './cache.constants.js';
import type { CacheEvictOptions, CacheKeyContext } from './cache-decorator-options.interface.js';
import { fillPattern, fillTemplate, resolveKey } from './cache-key.resolver.js';
import { scopedKey, type CacheIdentity } from './cache-plan.js';

/** What one `@CacheEvict` call removes, with templates filled in and keys prefixed. */
export interface EvictionPlan {
  keys: string[];
  tags: string[];
  patterns: string[];
}

/**
 * Fills the templates of a `@CacheEvict` for one call; entries that cannot be built are skipped
 * (logged).
 */
export function planEviction(
  options: CacheEvictOptions,
  ctx: CacheKeyContext,
  identity: CacheIdentity,
  logger: Logger,
): EvictionPlan {
  const skipped = (what: string) =>
    logger.debug(
      `@CacheEvict on ${ctx.className}.${ctx.methodName}: ${what} could not be built ` +
        'from this call; skipped',
    );
  const keys = built(
    options.keys ?? [],
    (source) => {
      const key = resolveKey(source, ctx);
      return key === undefined ? undefined : scopedKey(key, identity);
    },
    skipped,
  );
  const tags = built(options.tags ?? [], (template) => fillTemplate(template, ctx), skipped);
  const patterns = built(
    options.patterns ?? [],
    (template) => {
      const pattern = fillPattern(template, ctx);
      return pattern === undefined ? undefined : CACHE_KEY_PREFIX + pattern;
    },
    skipped,
  );
  if (options.all) patterns.push(`${CACHE_KEY_PREFIX}*`, `${USER_CACHE_KEY_PREFIX}*`);
  return { keys, tags, patterns };
}

function built<S>(
  sources: readonly S[],
  build: (source: S) => string | undefined,
  skipped: (what: string) => void,
): string[] {
  const out: string[] = [];
  for (const source of sources) {
    const value = build(source);
    if (value === undefined) skipped(typeof source === 'string' ? `"${source}"` : 'a key');
    else out.push(value);
  }
  return out;
}

/**
 * Runs an eviction. Store failures are logged, never thrown: the decorated call's outcome stands.
 * Work that failed because the store was unreachable is kept in `retries` and run again once it
 * answers (the local L1 copies are dropped at once by the store either way).
 */
export async function runEviction(
  store: StoreService,
  plan: EvictionPlan,
  logger: Logger,
  retries: EvictionRetries,
): Promise<void> {
  const work: Array<() => Promise<unknown>> = [];
  if (plan.keys.length > 0) work.push(() => store.delete(plan.keys));
  if (plan.tags.length > 0) work.push(() => store.invalidateTags(plan.tags));
  for (const pattern of plan.patterns) work.push(() => store.deleteByPattern(pattern));
  const results = await Promise.allSettled(work.map((run) => run()));
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') return;
    if (result.reason instanceof StoreConnectionError) {
      logger.warn(
        `@CacheEvict failed, retried once the store is back: ${describeError(result.reason)}`,
      );
      retries.add(work[i]);
    } else logger.error(`@CacheEvict failed: ${describeError(result.reason)}`);
  });
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
