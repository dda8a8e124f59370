import type { RawStreamEntry } from '../stream-driver.interface.js';

/*
 * Stream replies in the shapes ioredis may hand them over: RESP2 arrays, RESP3 with the default
 * `legacy` reply mapping (the same arrays), or RESP3 maps as plain objects (`replyMapping: 'resp3'`
 * on a client the application passed in).
 */

/** XRANGE / XAUTOCLAIM entries: `[[id, [field, value, ...] | null], ...]`. */
export function parseEntries(reply: unknown): RawStreamEntry[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((item: unknown) => {
    const [id, fields] = item as [unknown, unknown];
    return { id: String(id), fields: Array.isArray(fields) ? fields.map(String) : null };
  });
}

/** XREADGROUP on one stream: `null` on timeout, else that stream's entries. */
export function parseReadGroup(reply: unknown): RawStreamEntry[] {
  if (reply === null || reply === undefined) return [];
  if (!Array.isArray(reply))
    return parseEntries(Object.values(reply as Record<string, unknown>)[0]);
  if (reply.length === 0) return [];
  // `[[key, entries]]`, or a flattened map `[key, entries]`.
  return parseEntries(Array.isArray(reply[0]) ? (reply[0] as unknown[])[1] : reply[1]);
}

/** XAUTOCLAIM: `[cursor, entries, deletedIds]`. */
export function parseAutoClaim(reply: unknown): {
  cursor: string;
  entries: RawStreamEntry[];
  deleted: string[];
} {
  const [cursor, entries, deleted] = reply as [unknown, unknown, unknown];
  return {
    cursor: String(cursor),
    entries: parseEntries(entries),
    deleted: Array.isArray(deleted) ? deleted.map(String) : [],
  };
}

/**
 * XPENDING extended form for one id: `[[id, consumer, idleMs, deliveries]]`; `undefined` when it is
 * not pending.
 */
export function parseDeliveryCount(reply: unknown): number | undefined {
  if (!Array.isArray(reply) || reply.length === 0) return undefined;
  const [, , , deliveries] = reply[0] as [unknown, unknown, unknown, unknown];
  return Number(deliveries);
}
