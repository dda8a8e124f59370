import type { RateLimitScript } from '../../../drivers/store-driver.interface.js';

/**
 * One rate-limit algorithm, whole: the name policies give it, where its state lives, and the
 * check itself as a `RateLimitScript` (its Lua for Redis and the same step in process for the
 * memory driver, with the same integer arithmetic so both answer alike). Adding an algorithm is one
 * file exporting one of these, listed in `registry.ts`.
 */
export interface RateLimitAlgorithmDefinition<Id extends string = string> extends RateLimitScript {
  /** The name policies use (`algorithm: 'gcra'`); also the script's id. */
  readonly id: Id;
  /**
   * What ends the state key, `rl:{<name>:<key>}:<suffix>`: short, unique among the algorithms,
   * never `b` (the block key) and without `}`, so no two algorithms share a key.
   */
  readonly suffix: string;
  /** The Redis type of the state key, as another client meets it. */
  readonly stateType: 'hash' | 'zset';
  /**
   * What the limit should be instead, when this algorithm cannot take `limit` (say, a bound on
   * its memory); `undefined` when it can. Checked with the rest of the policy.
   */
  readonly limitProblem?: (limit: number) => string | undefined;
}
