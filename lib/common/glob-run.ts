import type { GlobProgram } from './glob-program.js';

/** Counts the matcher's steps, so specs can bound its work without timing it. */
export interface GlobMeter {
  steps: number;
}

/**
 * Whether `program` matches the first `length` bytes of `subject`, as Redis 7.0's `stringmatchlen`.
 *
 * Every token but a star consumes exactly one byte, so only the latest star ever needs to give a
 * byte back: when the rest of the pattern fails after it, no earlier star could help, because
 * letting that one absorb more only starts the latest star later (Redis's "skipLongerMatches"
 * argument). Remembering that star and where its try started makes this a two-pointer scan with
 * at most O(length × tokens) steps, and no recursion.
 */
export function runGlob(
  program: GlobProgram,
  subject: Uint8Array,
  length: number,
  meter?: GlobMeter,
): boolean {
  // Redis only enters its matching loop for a non-empty subject: `*` does not match "".
  if (length === 0) return program.length === 0;
  let token = 0;
  let at = 0;
  let star = -1;
  let starAt = 0;
  let steps = 0;
  while (at < length) {
    steps++;
    const accepts = token < program.length ? program[token] : null;
    if (accepts === undefined) {
      star = token++;
      starAt = at;
    } else if (accepts !== null && accepts[subject[at]] === 1) {
      token++;
      at++;
    } else if (star >= 0) {
      token = star + 1;
      at = ++starAt;
    } else {
      break;
    }
  }
  if (meter) meter.steps += steps;
  if (at < length) return false;
  while (token < program.length && program[token] === undefined) token++;
  return token === program.length;
}
