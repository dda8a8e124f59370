import type { Logger } from '@nestjs/common';
import { StoreError, StoreLoaderTimeoutError } from '../../errors/store.errors.js';
import type { StoreService } from '../../store/store.service.js';
import type { CacheStatus } from '../../engine/cache/cache-options.interface.js';
import type { CacheEntryPlan } from './cache-plan.js';
import { keyForLog, messageForLog } from '../../engine/cache/key-for-log.js';

/** Where a decorated call's result came from; `bypass`: the handler ran and nothing was stored. */
export type CacheRunStatus = CacheStatus | 'bypass';

/** The result of a decorated call and where it came from. */
export interface CacheRunOutcome<T> {
  value: T;
  status: CacheRunStatus;
}

/** How one decorated call is run through the cache. */
export interface CacheRun<T> {
  store: StoreService;
  plan: CacheEntryPlan;
  /**
   * Runs the handler or method (at most once per call, unless another caller's load was not
   * storable).
   */
  load: () => Promise<T>;
  /** Whether a freshly loaded value may be stored (status, streams, `unless`). */
  storable: (value: T) => boolean;
  /** Skip the read and refresh the entry (`Cache-Control: no-cache`). */
  refresh?: boolean;
  logger: Logger;
}

/** Thrown out of the loader to hand a value back without storing it. */
class NotStored<T> {
  constructor(
    readonly value: T,
    readonly owner: object,
  ) {}
}

/**
 * The one flow behind `@Cacheable` (interceptor and provider methods): read or fill the entry
 * through `getOrSetWithStatus`, keep values that may not be stored out of the store, and never
 * add a failure mode: when the store fails, the handler's own result is returned.
 */
export async function runCached<T>(run: CacheRun<T>): Promise<CacheRunOutcome<T>> {
  const owner = {};
  let loaded: { value: T } | undefined;
  let loadFailure: { error: unknown } | undefined;
  const loader = async (): Promise<T> => {
    try {
      loaded = { value: await run.load() };
    } catch (error) {
      loadFailure = { error };
      throw error;
    }
    if (!run.storable(loaded.value)) throw new NotStored(loaded.value, owner);
    return loaded.value;
  };
  try {
    if (run.refresh) await run.store.delete(run.plan.key);
    return await run.store.getOrSetWithStatus<T>(run.plan.key, loader, run.plan.options);
  } catch (error) {
    if (error instanceof NotStored)
      return error.owner === owner ? { value: error.value as T, status: 'bypass' } : bypass(run);
    if (loadFailure?.error === error || !isStoreFailure(error)) throw error;
    run.logger.warn(
      `Serving ${keyForLog(run.plan.key)} without the cache: ${messageForLog(error, run.plan.key)}`,
    );
    return loaded ? { value: loaded.value, status: 'bypass' } : bypass(run);
  }
}

async function bypass<T>(run: CacheRun<T>): Promise<CacheRunOutcome<T>> {
  return { value: await run.load(), status: 'bypass' };
}

/**
 * Store failures the decorators absorb: the store is away, or refused a key, tag or value built
 * from this call. A `hardTimeout` (`StoreLoaderTimeoutError`) is the caller's choice and is thrown.
 */
export function isStoreFailure(error: unknown): boolean {
  return error instanceof StoreError && !(error instanceof StoreLoaderTimeoutError);
}
