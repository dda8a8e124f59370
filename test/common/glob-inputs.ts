/**
 * Reproducible random keys and globs for the differential spec: a small alphabet heavy in glob
 * syntax and multi-byte characters, so the odd corners (unterminated classes, escapes, ranges over
 * UTF-8 bytes) come up thousands of times. The same seed always gives the same inputs.
 */

/** Uniform numbers in [0, 1) from a 32-bit seed (mulberry32). */
export type Random = () => number;

/** A seeded generator (mulberry32): small, fast, and the same sequence on every platform. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// 'ÿ' is C3 BF and 'é' C3 A9: they share a lead byte, and both sort below ASCII as signed chars.
const KEY_ALPHABET = [
  'a',
  'b',
  'c',
  'A',
  '~',
  'é',
  'ÿ',
  '漢',
  '*',
  '?',
  '[',
  ']',
  '^',
  '-',
  '\\',
  '!',
];
const GLOB_SYNTAX = ['*', '?', '[', ']', '^', '-', '\\'];
const PATTERN_ALPHABET = [...GLOB_SYNTAX, ...GLOB_SYNTAX, 'a', 'b', 'c', 'A', '~', 'é', 'ÿ', '漢'];

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function randomString(random: Random, alphabet: readonly string[], maxLength: number): string {
  const length = Math.floor(random() * (maxLength + 1));
  return Array.from({ length }, () => pick(random, alphabet)).join('');
}

/** `count` distinct keys of 0–6 characters (the empty key included when drawn). */
export function randomKeys(random: Random, count: number): string[] {
  const keys = new Set<string>();
  while (keys.size < count) keys.add(randomString(random, KEY_ALPHABET, 6));
  return [...keys];
}

/** A glob built from a key, so that a good share of the globs match something. */
function globFromKey(random: Random, key: string): string {
  let glob = '';
  for (const char of key) {
    const roll = random();
    if (roll < 0.15) glob += '?';
    else if (roll < 0.25) glob += '*';
    else if (roll < 0.32) glob += `[${pick(random, KEY_ALPHABET)}-${pick(random, KEY_ALPHABET)}]`;
    else if (roll < 0.38) glob += `[^${pick(random, KEY_ALPHABET)}]`;
    else if (roll < 0.44) glob += `\\${char}`;
    else glob += char;
  }
  const tail = random();
  if (tail < 0.1) glob += '[';
  else if (tail < 0.2) glob += '\\';
  else if (tail < 0.3) glob += '*';
  return glob;
}

/** A glob around a class that may be empty, negated, ranged, escaped or unterminated. */
function classGlob(random: Random): string {
  const body = randomString(random, PATTERN_ALPHABET, 4);
  const close = random() < 0.7 ? ']' : '';
  const before = random() < 0.5 ? '*' : randomString(random, ['a', '?', 'é'], 1);
  const after = random() < 0.5 ? '*' : randomString(random, ['a', '?', '*'], 2);
  return `${before}[${random() < 0.3 ? '^' : ''}${body}${close}${close ? after : ''}`;
}

/** `count` distinct globs: free-form, derived from `keys`, and class-centred, in equal shares. */
export function randomGlobs(random: Random, count: number, keys: readonly string[]): string[] {
  const globs = new Set<string>();
  while (globs.size < count) {
    const kind = globs.size % 3;
    if (kind === 0) globs.add(randomString(random, PATTERN_ALPHABET, 8));
    else if (kind === 1) globs.add(globFromKey(random, pick(random, keys)));
    else globs.add(classGlob(random));
  }
  return [...globs];
}
