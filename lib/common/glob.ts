import { parseGlob } from './glob-program.js';
import { runGlob } from './glob-run.js';
import { utf8Scratch } from './utf8-scratch.js';

/** Characters with a meaning in Redis glob patterns (SCAN MATCH, PSUBSCRIBE). */
const GLOB_SPECIAL = /[*?[\]\\]/g;

/** Whether a subject (a key or a channel) matches a compiled glob. */
export type GlobMatcher = (subject: string) => boolean;

/**
 * Escapes `literal` so a Redis glob matches it exactly (used for prefixes before a user's pattern).
 */
export function escapeGlob(literal: string): string {
  return literal.replace(GLOB_SPECIAL, '\\$&');
}

/**
 * Compiles a Redis glob (`*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\x`) with the semantics of Redis
 * 7.0's `stringmatchlen` (PSUBSCRIBE's matching): over UTF-8 bytes, in O(subject × pattern) time.
 */
export function compileGlob(pattern: string): GlobMatcher {
  const program = parseGlob(new TextEncoder().encode(pattern));
  return (subject) => {
    const { bytes, length } = utf8Scratch(subject);
    return runGlob(program, bytes, length);
  };
}

/**
 * Like `compileGlob`, for SCAN MATCH (and so `deleteByPattern`): SCAN treats exactly `*` as no
 * pattern at all, so there it matches even the empty key, which `stringmatchlen` would not.
 */
export function compileScanGlob(pattern: string): GlobMatcher {
  return pattern === '*' ? () => true : compileGlob(pattern);
}

/**
 * Whether `subject` matches the Redis glob `pattern` (see `compileGlob`; compile once for many
 * subjects).
 */
export function globMatch(pattern: string, subject: string): boolean {
  return compileGlob(pattern)(subject);
}
