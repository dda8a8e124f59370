/**
 * Entries that need metadata are stored as `\x01{json header}\x01{payload}`. The header holds the
 * tag stamps (tag key → version token when the value was computed), the time the value stops being
 * fresh (`f`, epoch ms; after it, within the grace period, it is stale) and how long it took to
 * compute (`d`, ms, for early refresh). An entry is served only while every tag still has its
 * stamped version, so invalidating a tag is one atomic single-key write (Cluster-safe).
 * Plain entries are the bare payload, so they stay readable by (and writable from) any other Redis
 * client. JSON never starts with `\x01`.
 */
const MARK = '\u0001';

/** Tag key → version token, as stamped on an entry. */
export type TagStamps = Array<[tagKey: string, token: string]>;

/** What an entry's header may carry. */
export interface EntryMeta {
  /** Tag stamps. */
  s?: TagStamps;
  /** Fresh until (epoch ms). */
  f?: number;
  /** Time the loader took (ms). */
  d?: number;
}

/** A stored entry split into its payload and metadata (`meta` is null for plain entries). */
export interface DecodedEntry {
  payload: string;
  meta: EntryMeta | null;
}

/** Whether a stored string carries a header. Cheap enough for the hot read path. */
export function hasHeader(raw: string): boolean {
  return raw.charCodeAt(0) === 1;
}

/** Prefixes `payload` with a header; `null` meta stores the bare payload. */
export function encodeEntry(payload: string, meta: EntryMeta | null): string {
  return meta === null ? payload : `${MARK}${JSON.stringify(meta)}${MARK}${payload}`;
}

/** Splits a stored string; returns `null` when the header is damaged (treated as a miss). */
export function decodeEntry(raw: string): DecodedEntry | null {
  if (!hasHeader(raw)) return { payload: raw, meta: null };
  const end = raw.indexOf(MARK, 1);
  if (end === -1) return null;
  try {
    const meta = JSON.parse(raw.slice(1, end)) as EntryMeta;
    if (meta === null || typeof meta !== 'object' || (meta.s !== undefined && !Array.isArray(meta.s))) return null;
    return { payload: raw.slice(end + 1), meta };
  } catch {
    return null;
  }
}

/** A fresh, unique token (tag versions, lock ownership): time-ordered for readability, random for uniqueness. */
export function newToken(): string {
  return `${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
}
