import type { RateLimitKeys } from '../../drivers/store-driver.interface.js';
import type { RateLimitAlgorithm } from '../rate-limit.interfaces.js';
import { RATE_LIMIT_ALGORITHMS } from './rate-limit-algorithms.js';

/**
 * Where rate-limit state lives: `{keyPrefix}rl:{<name>:<key>}:<algo>` and the block key
 * `{keyPrefix}rl:{<name>:<key>}:b`. Outside every namespace (`k:`, `t:`, `ns:`…), so no cache key
 * can reach it. The hash tag `{…}` comes after the global prefix (which never contains braces), so
 * both keys of one check share a slot on a Cluster. The policy name is percent-encoded (no `:`), and
 * the suffixes contain no `}`, so different (name, key, algorithm) triples never share a key.
 */
export class RateLimitStateKeys {
  private readonly base: string;

  constructor(keyPrefix: string) {
    this.base = `${keyPrefix}rl:{`;
  }

  /** The state and block keys of one policy name, caller key and algorithm. */
  of(name: string, key: string, algorithm: RateLimitAlgorithm): RateLimitKeys {
    const tagged = `${this.base}${encodeURIComponent(name)}:${key}}:`;
    return { state: tagged + RATE_LIMIT_ALGORITHMS[algorithm], block: `${tagged}b` };
  }
}
