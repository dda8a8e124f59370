/**
 * Tagged entries are stored as `\x01{json tag stamps}\x01{payload}`: the tag keys with the version
 * token each tag had when the value was computed. An entry is served only while every token still
 * matches, so invalidating a tag is one atomic single-key write (Cluster-safe) that takes effect for
 * every entry carrying it at once. Untagged entries are the bare payload, so plain values stay
 * readable by (and writable from) any other Redis client. JSON never starts with `\x01`.
 */
const MARK = '\u0001';

/** Tag key → version token, as stamped on an entry. */
export type TagStamps = Array<[tagKey: string, token: string]>;

/** A stored entry split into its payload and its tag stamps (empty when untagged). */
export interface DecodedEntry {
  payload: string;
  stamps: TagStamps;
}

/** Whether a stored string carries tag stamps. Cheap enough for the hot read path. */
export function isTagged(raw: string): boolean {
  return raw.charCodeAt(0) === 1;
}

/** Prefixes `payload` with its tag stamps. */
export function encodeTagged(payload: string, stamps: TagStamps): string {
  return stamps.length === 0 ? payload : `${MARK}${JSON.stringify(stamps)}${MARK}${payload}`;
}

/** Splits a stored string; returns `null` when the header is damaged (treated as a miss). */
export function decodeTagged(raw: string): DecodedEntry | null {
  const end = raw.indexOf(MARK, 1);
  if (end === -1) return null;
  try {
    const stamps = JSON.parse(raw.slice(1, end)) as TagStamps;
    return Array.isArray(stamps) ? { payload: raw.slice(end + 1), stamps } : null;
  } catch {
    return null;
  }
}

/** A fresh, unique version token for a tag (time-ordered for readability, random for uniqueness). */
export function newTagToken(): string {
  return `${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
}
