import { StoreCommandError } from '../../errors/store.errors.js';
import type { RawClaim, RawDelivery, RawStreamEntry } from '../stream-driver.interface.js';

/** A stream id as two numbers (`<ms>-<seq>`). */
type StreamId = readonly [ms: number, seq: number];

interface Entry {
  id: string;
  key: StreamId;
  fields: string[];
}

/** A delivered, not yet acknowledged entry (an XPENDING row). */
interface PendingEntry {
  key: StreamId;
  consumer: string;
  deliveredAt: number;
  deliveryCount: number;
}

interface Group {
  lastDelivered: StreamId;
  /** The pending entries list, by id. */
  pending: Map<string, PendingEntry>;
}

/**
 * One Redis stream in process: entries in id order, consumer groups with their last-delivered id
 * and pending entries list (owner, delivery count, idle time), with XADD, XREADGROUP, XAUTOCLAIM,
 * XACK and XRANGE semantics as Redis 7.0 has them.
 */
export class MemoryStream {
  private readonly entries: Entry[] = [];
  private lastId: StreamId = [0, 0];
  private readonly groups = new Map<string, Group>();

  /**
   * XADD `*`: the next id after the last (never going back, even if the clock does); MAXLEN trims
   * exactly.
   */
  add(fields: string[], maxLen: number | undefined, now = Date.now()): string {
    const key: StreamId = now > this.lastId[0] ? [now, 0] : [this.lastId[0], this.lastId[1] + 1];
    this.lastId = key;
    const id = `${key[0]}-${key[1]}`;
    this.entries.push({ id, key, fields });
    if (maxLen !== undefined && this.entries.length > maxLen)
      this.entries.splice(0, this.entries.length - maxLen);
    return id;
  }

  /** XGROUP CREATE; `false` when the group exists already (BUSYGROUP). */
  createGroup(group: string, start: '$' | '0'): boolean {
    if (this.groups.has(group)) return false;
    this.groups.set(group, {
      lastDelivered: start === '$' ? this.lastId : [0, 0],
      pending: new Map(),
    });
    return true;
  }

  /** XREADGROUP `>`: entries after the group's last-delivered id, now pending for `consumer`. */
  readNew(
    key: string,
    group: string,
    consumer: string,
    count: number,
    now = Date.now(),
  ): RawDelivery[] {
    const state = this.group(key, group, 'stream read');
    const first = this.indexOf(state.lastDelivered, true);
    const fresh = this.entries.slice(first, first + count);
    for (const entry of fresh)
      state.pending.set(entry.id, { key: entry.key, consumer, deliveredAt: now, deliveryCount: 1 });
    if (fresh.length > 0) state.lastDelivered = fresh[fresh.length - 1].key;
    return fresh.map((entry) => ({ id: entry.id, fields: entry.fields, deliveryCount: 1 }));
  }

  /**
   * XREADGROUP with an id: `consumer`'s pending entries after `afterId`, each counted as delivered
   * again.
   */
  readPending(
    key: string,
    group: string,
    consumer: string,
    afterId: string,
    count: number,
    now = Date.now(),
  ): RawDelivery[] {
    const after = parseId(afterId);
    const own = sortedPending(this.group(key, group, 'stream read'))
      .filter(([, pending]) => pending.consumer === consumer && compare(pending.key, after) > 0)
      .slice(0, count);
    return own.map(([id, pending]) => {
      const fields = this.fieldsOf(pending.key);
      // Redis counts the delivery only for entries still in the stream.
      if (fields) {
        pending.deliveredAt = now;
        pending.deliveryCount += 1;
      }
      return { id, fields, deliveryCount: pending.deliveryCount };
    });
  }

  /**
   * XAUTOCLAIM: scans at most `count * 10` pending entries from `cursor`; entries gone from the
   * stream are dropped.
   */
  claimIdle(
    key: string,
    group: string,
    consumer: string,
    minIdleMs: number,
    cursor: string,
    count: number,
    now = Date.now(),
  ): RawClaim {
    const state = this.group(key, group, 'stream claim');
    const start = parseId(cursor);
    const candidates = sortedPending(state).filter(
      ([, pending]) => compare(pending.key, start) >= 0,
    );
    const claimed: RawDelivery[] = [];
    const deleted: string[] = [];
    let scanned = 0;
    for (
      ;
      scanned < candidates.length && scanned < count * 10 && claimed.length < count;
      scanned++
    ) {
      const [id, pending] = candidates[scanned];
      const fields = this.fieldsOf(pending.key);
      if (!fields) {
        state.pending.delete(id);
        deleted.push(id);
      } else if (now - pending.deliveredAt >= minIdleMs) {
        pending.consumer = consumer;
        pending.deliveredAt = now;
        pending.deliveryCount += 1;
        claimed.push({ id, fields, deliveryCount: pending.deliveryCount });
      }
    }
    return { cursor: candidates[scanned]?.[0] ?? '0-0', claimed, deleted };
  }

  /** Resets the idle time of the ids `consumer` still owns. */
  renew(key: string, group: string, consumer: string, ids: string[], now = Date.now()): void {
    const state = this.group(key, group, 'stream renew');
    for (const id of ids) {
      const pending = state.pending.get(id);
      if (pending?.consumer === consumer) pending.deliveredAt = now;
    }
  }

  /** XACK: how many of `ids` were pending in `group` (0 when there is no such group). */
  ack(group: string, ids: string[]): number {
    const state = this.groups.get(group);
    return state ? ids.filter((id) => state.pending.delete(id)).length : 0;
  }

  /**
   * XRANGE with COUNT: `start` and `end` as Redis takes them (`-`, `+`, `ms`, `ms-seq`, `(` for
   * exclusive).
   */
  range(start: string, end: string, count: number): RawStreamEntry[] {
    const from = parseBound(start, 'start');
    const to = parseBound(end, 'end');
    const found: RawStreamEntry[] = [];
    for (
      let i = this.indexOf(from.id, from.exclusive);
      i < this.entries.length && found.length < count;
      i++
    ) {
      const entry = this.entries[i];
      const order = compare(entry.key, to.id);
      if (order > 0 || (order === 0 && to.exclusive)) break;
      found.push({ id: entry.id, fields: entry.fields });
    }
    return found;
  }

  private group(key: string, group: string, operation: string): Group {
    const state = this.groups.get(group);
    if (!state) throw noGroup(operation, key, group);
    return state;
  }

  /** The entry's fields, `null` once it was trimmed. */
  private fieldsOf(key: StreamId): string[] | null {
    const entry = this.entries[this.indexOf(key, false)];
    return entry && compare(entry.key, key) === 0 ? entry.fields : null;
  }

  /** Binary search: the index of the first entry after `key` (`after`) or at-or-after it. */
  private indexOf(key: StreamId, after: boolean): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      const order = compare(this.entries[middle].key, key);
      if (order < 0 || (order === 0 && after)) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** The NOGROUP refusal, worded as Redis words it. */
export function noGroup(operation: string, key: string, group: string): StoreCommandError {
  return new StoreCommandError(
    operation,
    new Error(`NOGROUP No such key '${key}' or consumer group '${group}'`),
    'NOGROUP',
  );
}

function sortedPending(group: Group): Array<[string, PendingEntry]> {
  return [...group.pending].sort(([, a], [, b]) => compare(a.key, b.key));
}

function compare(a: StreamId, b: StreamId): number {
  return a[0] - b[0] || a[1] - b[1];
}

const ID = /^(\d+)(?:-(\d+))?$/;

/** `ms-seq`, or `ms` meaning `ms-0` (for an end bound: `ms-<max>`). */
function parseId(text: string, missingSeq = 0): StreamId {
  const match = ID.exec(text);
  if (!match)
    throw new StoreCommandError(
      'stream',
      new Error('ERR Invalid stream ID specified as stream command argument'),
      'ERR',
    );
  return [Number(match[1]), match[2] === undefined ? missingSeq : Number(match[2])];
}

/**
 * A range bound as XRANGE reads it; a bare `ms` end bound means the last id of that millisecond.
 */
function parseBound(text: string, side: 'start' | 'end'): { id: StreamId; exclusive: boolean } {
  if (text === '-') return { id: [0, 0], exclusive: false };
  if (text === '+')
    return { id: [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], exclusive: false };
  const exclusive = text.startsWith('(');
  return {
    id: parseId(exclusive ? text.slice(1) : text, side === 'end' ? Number.MAX_SAFE_INTEGER : 0),
    exclusive,
  };
}
