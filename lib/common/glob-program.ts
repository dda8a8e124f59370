/**
 * Parses a Redis glob into tokens the way Redis 7.0's `stringmatchlen` (src/util.c) walks it, so
 * the in-process matchers agree with SCAN MATCH and PSUBSCRIBE byte for byte. Redis's walk over the
 * pattern never depends on the subject, which is what lets it be done once, up front.
 */

/** The bytes one token accepts: 256 entries, indexed by byte value, 1 = accepted. */
export type ByteSet = Uint8Array;

/**
 * A parsed glob: per token, the set of bytes it accepts (it consumes exactly one byte of the
 * subject), or `undefined` for a run of `*` (any number of bytes). Consecutive stars are one token.
 */
export type GlobProgram = ReadonlyArray<ByteSet | undefined>;

const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const BACKSLASH = 0x5c;
const CARET = 0x5e;
const DASH = 0x2d;

/** Literal and `?` tokens are shared between programs: they never change once built. */
const literalSets = new Map<number, ByteSet>();
const ANY_BYTE: ByteSet = new Uint8Array(256).fill(1);

/**
 * Tokens of the UTF-8 `pattern`. An empty pattern has no tokens (and matches only an empty
 * subject).
 */
export function parseGlob(pattern: Uint8Array): GlobProgram {
  const tokens: Array<ByteSet | undefined> = [];
  let i = 0;
  while (i < pattern.length) {
    const byte = pattern[i];
    if (byte === STAR) {
      while (pattern[i + 1] === STAR) i++;
      tokens.push(undefined);
      i++;
    } else if (byte === QUESTION) {
      tokens.push(ANY_BYTE);
      i++;
    } else if (byte === OPEN) {
      const [set, next] = parseClass(pattern, i + 1);
      tokens.push(set);
      i = next;
    } else if (byte === BACKSLASH && i + 1 < pattern.length) {
      // A trailing backslash has nothing to escape: Redis then matches it as itself.
      tokens.push(literal(pattern[i + 1]));
      i += 2;
    } else {
      tokens.push(literal(byte));
      i++;
    }
  }
  return tokens;
}

/**
 * A `[...]` class starting after its `[`; returns the set and where the pattern continues. Mirrors
 * Redis's loop, quirks included: a `]` right after `[` (or `[^`) closes an empty class, a range
 * end may be `]` (so `[a-]` is a range up to `]`, left unterminated), and an unterminated class
 * runs to the end of the pattern and still consumes one byte.
 */
function parseClass(pattern: Uint8Array, start: number): [ByteSet, number] {
  const end = pattern.length;
  const negated = start < end && pattern[start] === CARET;
  const set = new Uint8Array(256);
  let i = negated ? start + 1 : start;
  while (i < end && pattern[i] !== CLOSE) {
    if (pattern[i] === BACKSLASH && end - i >= 2) {
      set[pattern[i + 1]] = 1;
      i += 2;
    } else if (end - i >= 3 && pattern[i + 1] === DASH) {
      addRange(set, pattern[i], pattern[i + 2]);
      i += 3;
    } else {
      set[pattern[i]] = 1;
      i++;
    }
  }
  if (negated) for (let byte = 0; byte < 256; byte++) set[byte] ^= 1;
  // Past the `]`; an unterminated class ends the pattern.
  return [set, Math.min(i + 1, end)];
}

/**
 * Adds the range between two pattern bytes, in either order. Redis compares them as C `char`,
 * which is signed on x86-64 (the usual Redis build): bytes 0x80–0xFF sort below ASCII there.
 */
function addRange(set: ByteSet, from: number, to: number): void {
  const [low, high] = [signedChar(from), signedChar(to)].sort((a, b) => a - b);
  for (let byte = 0; byte < 256; byte++)
    if (signedChar(byte) >= low && signedChar(byte) <= high) set[byte] = 1;
}

function signedChar(byte: number): number {
  return byte >= 0x80 ? byte - 0x100 : byte;
}

function literal(byte: number): ByteSet {
  let set = literalSets.get(byte);
  if (!set) {
    set = new Uint8Array(256);
    set[byte] = 1;
    literalSets.set(byte, set);
  }
  return set;
}
