import { MemoryKeyspace } from '../../drivers/memory/memory-keyspace.js';
import { memoryRateLimit } from '../../drivers/memory/memory-rate-limit.js';
import type {
  RateLimitArgs,
  RateLimitKeys,
  RawRateLimitReply,
} from '../../drivers/store-driver.interface.js';
import type { RateLimitAlgorithmDefinition } from './algorithms/rate-limit-algorithm.js';

/** How many caller keys one limiter counts in process at most under `failure: 'memory'`. */
export const MAX_IN_PROCESS_KEYS = 10_000;

/**
 * The counts of `failure: 'memory'` (rate-limiter-flexible's "insurance limiter", bounded): while
 * the store cannot be reached, each check runs the policy's algorithm in process through the
 * memory driver's frame (`memoryRateLimit`: the same block handling, replies and TTLs as the Lua
 * scripts), under the same state and block keys as in the store. The keyspace is an LRU of
 * `maxKeys` keys (a state and a block entry each), so an outage with many callers cannot grow the
 * heap without bound: the least recently checked key is dropped, and counts from zero again.
 */
export class InProcessCounts {
  private readonly keyspace: MemoryKeyspace;

  constructor(maxKeys = MAX_IN_PROCESS_KEYS) {
    this.keyspace = new MemoryKeyspace(maxKeys * 2);
  }

  /** One check, synchronous (hence atomic in process), as the memory driver runs it. */
  check(
    algorithm: RateLimitAlgorithmDefinition,
    keys: RateLimitKeys,
    args: RateLimitArgs,
  ): RawRateLimitReply {
    return memoryRateLimit(this.keyspace, algorithm, keys, args);
  }

  /** Forgets what was counted under `keys` (a reset). */
  forget(keys: RateLimitKeys): void {
    this.keyspace.remove(keys.state);
    this.keyspace.remove(keys.block);
  }
}
