import { escapeGlob } from '../common/glob.js';
import { segmentProblem } from '../common/validation.js';
import { StoreInvalidKeyError, StoreValidationError, describe } from '../errors/store.errors.js';

/**
 * Builds every Redis name one store (or namespace) uses. User names are the user's own:
 *
 * - key `K`, channel `C`, stream `S` of the root store: `{keyPrefix}K`, `{keyPrefix}C`,
 *   `{keyPrefix}S`;
 * - of `namespace('t1')`: `{keyPrefix}t1:K` (nested namespaces add one segment each).
 *
 * The library's own state lives under `{keyPrefix}{internalSegment}:` (tag versions `t:`, load
 * leases `l:`, rate-limit state `rl:`, the L1 bus channel `bus:l1`). A root name that would start
 * there is rejected, and a namespace name can be neither the segment nor hold `:`, so no name a
 * namespace is given reaches its parent's names, a sibling's, or the internal state. A parent can
 * name its namespaces' keys (`t1:K` is namespace `t1`'s `K`), as a folder names its sub-folders.
 */
export class KeySpace {
  /** `{keyPrefix}{scope}`: what every user name of this store starts with. */
  private readonly base: string;
  /** `{keyPrefix}{internalSegment}:`: what every internal name starts with. */
  readonly internalBase: string;
  /** `{internalSegment}:`: a root name starting with it would name internal state. */
  private readonly reservedHead: string;

  constructor(
    /** The global prefix (`keyPrefix`). */
    readonly prefix: string,
    /** The reserved segment (`internalSegment`), validated by the module options. */
    readonly internalSegment: string,
    /** The namespace path, each name followed by `:`; `''` for the root store. */
    readonly scope = '',
  ) {
    this.base = prefix + scope;
    this.internalBase = `${prefix}${internalSegment}:`;
    this.reservedHead = `${internalSegment}:`;
  }

  /** The key space of the namespace `name` below this one; rejects names that could escape it. */
  child(name: string): KeySpace {
    assertNamespaceName(name, this.internalSegment);
    return new KeySpace(this.prefix, this.internalSegment, `${this.scope}${name}:`);
  }

  /** Redis key of a data entry (`get`, `set`, counters, …). */
  data(key: string): string {
    if (this.namesInternal(key)) throw new StoreInvalidKeyError(key, this.reservedReason());
    return this.base + key;
  }

  /** Redis key of a stream. */
  stream(name: string): string {
    this.assertNotInternal(name, 'stream');
    return this.base + name;
  }

  /** Redis channel of a channel name. */
  channel(name: string): string {
    this.assertNotInternal(name, 'channel');
    return this.base + name;
  }

  /** SCAN pattern for a user's glob over this store's keys (it cannot reach outside them). */
  dataPattern(glob: string): string {
    this.assertNotInternal(glob, 'pattern');
    return escapeGlob(this.base) + glob;
  }

  /** PSUBSCRIBE pattern for a user's glob over this store's channels. */
  channelPattern(glob: string): string {
    this.assertNotInternal(glob, 'pattern');
    return escapeGlob(this.base) + glob;
  }

  /** The channel name (as this store's user names it) of a Redis channel of this store. */
  channelName(redisChannel: string): string {
    return redisChannel.slice(this.base.length);
  }

  /** Whether a full Redis name (key or channel) is the library's own, never handed to a user. */
  isInternal(fullName: string): boolean {
    return fullName.startsWith(this.internalBase);
  }

  /** Redis key holding a tag's current version token. */
  tag(tag: string): string {
    return `${this.internalBase}t:${this.scope}${tag}`;
  }

  /** Redis key of the lease lock guarding the recomputation of `key`. */
  lock(key: string): string {
    return `${this.internalBase}l:${this.scope}${key}`;
  }

  /** An internal channel of the whole store (e.g. `bus:l1`, the L1 bus). */
  internalChannel(name: string): string {
    return this.internalBase + name;
  }

  /** The start of every rate-limit key: a hash tag opens right after it. */
  get rateLimitBase(): string {
    return `${this.internalBase}rl:{`;
  }

  private namesInternal(name: string): boolean {
    return (
      this.scope === '' && (name.startsWith(this.reservedHead) || name === this.internalSegment)
    );
  }

  private assertNotInternal(name: string, what: string): void {
    if (this.namesInternal(name)) {
      throw new StoreValidationError(
        `Invalid ${what} ${describe(name)}: ${this.reservedReason()}`,
        'STORE_RESERVED_NAME',
      );
    }
  }

  private reservedReason(): string {
    return (
      `names the library's internal space "${this.reservedHead}" ` +
      '(options.internalSegment); choose another name'
    );
  }
}

/**
 * Throws unless `name` can be a namespace: a non-empty, well-formed string without `:`, braces or
 * glob characters, other than the internal segment. Rejected rather than encoded, so the Redis
 * names stay exactly what the user wrote.
 */
export function assertNamespaceName(
  name: unknown,
  internalSegment: string,
): asserts name is string {
  const reason = namespaceNameProblem(name, internalSegment);
  if (reason !== null)
    throw new StoreValidationError(
      `Invalid namespace ${describe(name)}: ${reason}`,
      'STORE_INVALID_NAME',
    );
}

function namespaceNameProblem(name: unknown, internalSegment: string): string | null {
  if (name === internalSegment)
    return `is the library's internal segment (options.internalSegment)`;
  return segmentProblem(name);
}
