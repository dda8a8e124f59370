import { escapeGlob } from '../common/glob.js';

/**
 * Builds every Redis key, tag key and channel name one store (or namespace) may touch.
 *
 * Layout: `{keyPrefix}{ns:<name>:}*{kind}:{name}` with kind `k` (data), `t` (tag), `c` (channel),
 * `l` (lock), `x` (stream). Namespace names are percent-encoded, so they never contain `:`; after
 * the prefix the layout therefore parses one way only, and no key, tag, channel or stream name given
 * to one namespace can name anything that belongs to another (or to the root store).
 */
export class KeySpace {
  private readonly dataBase: string;
  private readonly tagBase: string;
  private readonly channelBase: string;
  private readonly lockBase: string;
  private readonly streamBase: string;

  constructor(
    /** The global prefix (`keyPrefix`), applied to keys, tags, channels and patterns alike. */
    readonly prefix: string,
    /** The encoded namespace path, `''` for the root store. */
    readonly scope = '',
  ) {
    const base = prefix + scope;
    this.dataBase = `${base}k:`;
    this.tagBase = `${base}t:`;
    this.channelBase = `${base}c:`;
    this.lockBase = `${base}l:`;
    this.streamBase = `${base}x:`;
  }

  /** The key space of the namespace `name` below this one. */
  child(name: string): KeySpace {
    return new KeySpace(this.prefix, `${this.scope}ns:${encodeURIComponent(name)}:`);
  }

  /** Redis key of a data entry. */
  data(key: string): string {
    return this.dataBase + key;
  }

  /** Redis key holding a tag's current version token. */
  tag(tag: string): string {
    return this.tagBase + tag;
  }

  /** Redis key of a lock guarding `key`'s recomputation. */
  lock(key: string): string {
    return this.lockBase + key;
  }

  /** Redis key of a stream of this store. */
  stream(name: string): string {
    return this.streamBase + name;
  }

  /** Redis channel name for a channel of this store. */
  channel(name: string): string {
    return this.channelBase + name;
  }

  /** An internal channel of the whole store (outside every namespace's channels), e.g. the L1 bus. */
  internalChannel(name: string): string {
    return `${this.prefix}i:${name}`;
  }

  /** SCAN pattern for a user's glob over this store's data keys (the user's glob cannot reach outside it). */
  dataPattern(glob: string): string {
    return escapeGlob(this.dataBase) + glob;
  }

  /** PSUBSCRIBE pattern for a user's glob over this store's channels. */
  channelPattern(glob: string): string {
    return escapeGlob(this.channelBase) + glob;
  }

  /** The user-facing channel name of a Redis channel of this store. */
  channelName(redisChannel: string): string {
    return redisChannel.slice(this.channelBase.length);
  }
}
