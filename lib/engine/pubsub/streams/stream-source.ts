import type { Logger } from '@nestjs/common';
import { messageOf } from '../../../errors/store.errors.js';
import type { RawStreamEntry, StreamDriver } from '../../../drivers/stream-driver.interface.js';
import { STREAM_MESSAGE_FIELD } from './stream.constants.js';

/** One stream of one store (or namespace), as the consumer and replay see it. */
export interface StreamSource {
  driver: StreamDriver;
  /** The full Redis key. */
  key: string;
  /** The user-facing name. */
  name: string;
  /** The store's `keyPrefix` (telemetry reports it, and the namespace between it and `name`). */
  keyPrefix: string;
  /**
   * The store's serializer for this stream's messages; throws a typed error on what it cannot
   * store.
   */
  serialize: (message: unknown) => string;
  /** The store's deserializer for this stream; throws on what it cannot read. */
  deserialize: (payload: string) => unknown;
  /** The longest group or consumer name accepted (the store's `maxKeyLength`). */
  maxNameLength: number;
  logger: Pick<Logger, 'warn' | 'log'>;
}

/** A decoded entry, or why it could not be read. */
export type DecodedStreamMessage<T> = { ok: true; message: T } | { ok: false; reason: string };

/**
 * Reads an entry's message; an entry without the message field or with a payload the serializer
 * refuses is not ok.
 */
export function decodeStreamMessage<T>(
  source: StreamSource,
  fields: string[],
): DecodedStreamMessage<T> {
  const payload = fieldValue(fields, STREAM_MESSAGE_FIELD);
  if (payload === undefined)
    return { ok: false, reason: `it has no "${STREAM_MESSAGE_FIELD}" field` };
  try {
    return { ok: true, message: source.deserialize(payload) as T };
  } catch (error) {
    return { ok: false, reason: messageOf(error) };
  }
}

/** The epoch ms an entry id was made at (`<ms>-<seq>`). */
export function idTimestamp(entry: RawStreamEntry): number {
  return Number(entry.id.slice(0, entry.id.indexOf('-')));
}

function fieldValue(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
