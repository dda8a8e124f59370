import type { RawHash } from '../../drivers/store-driver.interface.js';

/**
 * An entry that needs metadata (tags, freshness) is a Redis hash, so the value stays readable by
 * any client (`HGET key v`) and the metadata sits beside it rather than framed into it:
 *
 * | field       | holds                                                                  |
 * |-------------|------------------------------------------------------------------------|
 * | `v`         | the serializer's output (JSON by default)                              |
 * | `f`         | fresh until (epoch ms); after it, within the grace period, it is stale |
 * | `d`         | how long the loader took (ms), for early refresh                       |
 * | `t:<tagkey>`| the version token of the tag key when the value was computed           |
 *
 * The entry is served only while every tag key still holds its stamped token, so invalidating a tag
 * is one atomic single-key write (Cluster-safe). A value without metadata is a plain Redis string.
 */
export const VALUE_FIELD = 'v';
const FRESH_FIELD = 'f';
const DURATION_FIELD = 'd';
const TAG_FIELD = 't:';

/** Tag key → version token, as stamped on an entry. */
export type TagStamps = Array<[tagKey: string, token: string]>;

/** What an entry carries beside its value. */
export interface EntryMeta {
  /** Tag stamps. */
  s?: TagStamps;
  /** Fresh until (epoch ms). */
  f?: number;
  /** Time the loader took (ms). */
  d?: number;
}

/** An entry hash split into its payload and metadata. */
export interface DecodedEntry {
  payload: string;
  meta: EntryMeta;
}

/** The hash fields of an entry. */
export function encodeEntry(payload: string, meta: EntryMeta): RawHash {
  const fields: RawHash = { [VALUE_FIELD]: payload };
  if (meta.f !== undefined) fields[FRESH_FIELD] = String(meta.f);
  if (meta.d !== undefined) fields[DURATION_FIELD] = String(meta.d);
  for (const [tagKey, token] of meta.s ?? []) fields[TAG_FIELD + tagKey] = token;
  return fields;
}

/**
 * Reads an entry hash; `undefined` when the hash has no value field (not an entry), `null` when
 * its metadata is damaged (treated as a miss).
 */
export function decodeEntry(fields: RawHash): DecodedEntry | null | undefined {
  const payload = fields[VALUE_FIELD];
  if (payload === undefined) return undefined;
  const meta: EntryMeta = {};
  for (const field in fields) {
    if (field === VALUE_FIELD) continue;
    if (field.startsWith(TAG_FIELD))
      (meta.s ??= []).push([field.slice(TAG_FIELD.length), fields[field]]);
    else if (field === FRESH_FIELD || field === DURATION_FIELD) {
      const number = Number(fields[field]);
      if (!Number.isFinite(number)) return null;
      meta[field] = number;
    }
  }
  return { payload, meta };
}
