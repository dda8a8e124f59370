/**
 * UTF-8 encoding into one reused buffer. Matching a glob over every key of a keyspace encodes each
 * key once; reusing the buffer keeps that loop free of allocations. Callers must be done with the
 * bytes before the next call (matching is synchronous, so they are).
 */
const encoder = new TextEncoder();
let scratch = new Uint8Array(256);

/**
 * The UTF-8 bytes of `text` (lone surrogates become U+FFFD, as ioredis sends them), valid until the
 * next call.
 */
export function utf8Scratch(text: string): { bytes: Uint8Array; length: number } {
  // A UTF-16 code unit never takes more than 3 UTF-8 bytes.
  if (scratch.length < text.length * 3) scratch = new Uint8Array(text.length * 3);
  const { written } = encoder.encodeInto(text, scratch);
  return { bytes: scratch, length: written };
}
