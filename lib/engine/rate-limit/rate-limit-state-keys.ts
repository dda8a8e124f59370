import type { RateLimitKeys } from '../../drivers/store-driver.interface.js';
import type { RateLimitAlgorithmDefinition } from './algorithms/rate-limit-algorithm.js';

/**
 * Where rate-limit state lives: `{keyPrefix}{internalSegment}:rl:{<name>:<key>}:<suffix>` (the
 * algorithm's suffix) and the block key `…rl:{<name>:<key>}:b`. In the internal space, so no user
 * key can reach it. The hash tag `{…}` is the first brace (the prefix and the segment hold none),
 * so both keys of one check share a slot on a Cluster. The policy name is percent-encoded (no `:`),
 * and the suffixes contain no `}`, so different (name, key, algorithm) triples never share a key.
 */
export class RateLimitStateKeys {
  private readonly base: string;
  /** `{base}{encoded name}:` per policy name: names come from code and are few, keys are not. */
  private readonly heads = new Map<string, string>();

  /** `base`: everything before the hash tag opens, ending with `{` (`KeySpace.rateLimitBase`). */
  constructor(base: string) {
    this.base = base;
  }

  /** The state and block keys of one policy name, caller key and algorithm. */
  of(name: string, key: string, algorithm: RateLimitAlgorithmDefinition): RateLimitKeys {
    const tagged = `${this.head(name)}${key}}:`;
    return { state: tagged + algorithm.suffix, block: `${tagged}b` };
  }

  private head(name: string): string {
    let head = this.heads.get(name);
    if (head === undefined) {
      if (this.heads.size >= MAX_NAMES) this.heads.clear();
      head = `${this.base}${encodeURIComponent(name)}:`;
      this.heads.set(name, head);
    }
    return head;
  }
}

/** Bound on remembered names, in case names are built from input. */
const MAX_NAMES = 1_000;
