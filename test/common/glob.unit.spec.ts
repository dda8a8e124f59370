/**
 * The glob matcher's edge cases, each checked against Redis 7.0.15 (PSUBSCRIBE + PUBLISH, i.e.
 * `stringmatchlen`); the differential spec holds it to a live server on random inputs.
 */
import { compileGlob, compileScanGlob, escapeGlob, globMatch } from '../../lib/common/glob.js';

type Case = [pattern: string, subject: string, matches: boolean];

function expectCases(cases: Case[]): void {
  const got = cases.map(([pattern, subject]) => [pattern, subject, globMatch(pattern, subject)]);
  expect(got).toEqual(cases);
}

describe('globMatch (Redis stringmatchlen semantics)', () => {
  it('matches literals exactly, and an empty subject only with an empty pattern', () => {
    expectCases([
      ['', '', true],
      ['abc', 'abc', true],
      ['abc', 'abcd', false],
      ['abc', 'ab', false],
      ['', 'a', false],
      ['*', '', false],
      ['**', '', false],
      ['?', '', false],
    ]);
  });

  it('lets * match any run of bytes, consecutive stars as one', () => {
    expectCases([
      ['*', 'anything', true],
      ['a*', 'a', true],
      ['a*', 'abc', true],
      ['*c', 'abc', true],
      ['*c', 'abd', false],
      ['a**b', 'ab', true],
      ['a*b*c', 'axxbyyc', true],
      ['a*b*c', 'axxbyy', false],
      ['*a*a*', 'banana', true],
      ['a*', 'a\u0000', true],
      ['*é', 'caf\u00e9', true],
    ]);
  });

  it('lets ? match one UTF-8 byte, not one character', () => {
    expectCases([
      ['?', 'a', true],
      ['?', 'é', false],
      ['??', 'é', true],
      ['???', '漢', true],
      ['??', '漢', false],
      ['????', '😀', true],
      ['a?c', 'abc', true],
    ]);
  });

  it('matches classes, negation and ranges (reversed ranges swapped) byte by byte', () => {
    expectCases([
      ['[abc]', 'b', true],
      ['[abc]', 'd', false],
      ['[^abc]', 'd', true],
      ['[^abc]', 'a', false],
      ['[a-c]', 'b', true],
      ['[z-a]', 'm', true],
      ['[a-c]', 'd', false],
      ['[-a]', '-', true],
      ['[!a]', '!', true],
      ['[é]', 'é', false],
      ['[é][é]', 'é', true],
      ['[^a]', 'é', false],
      ['[^a]?', 'é', true],
    ]);
  });

  it('compares range ends as signed C chars, as x86-64 Redis does', () => {
    // 'é' is C3 A9: the range runs from 0xC3 (-61 signed) up to 'a', then A9 is a literal.
    expectCases([
      ['[a-é]', 'A', true],
      ['[a-é]', '~', false],
      ['[a-é]', '\u00ff', false],
    ]);
  });

  it('honours backslash escapes inside and outside classes, and a trailing backslash as itself', () => {
    expectCases([
      ['\\*', '*', true],
      ['\\*', 'a', false],
      ['\\?', '?', true],
      ['\\?', 'a', false],
      ['\\[a]', '[a]', true],
      ['\\a', 'a', true],
      ['a\\', 'a\\', true],
      ['\\', '\\', true],
      ['[\\]]', ']', true],
      ['[a\\-z]', '-', true],
      ['[a\\-z]', 'm', false],
      ['[\\', '\\', true],
    ]);
  });

  it('reproduces Redis on unterminated and degenerate classes', () => {
    expectCases([
      // A lone `[` is an empty class running to the end: it matches nothing.
      ['[', '[', false],
      ['[', '', false],
      ['*[', 'a[', false],
      // `[^` is a negated empty class: any one byte.
      ['[^', 'x', true],
      ['[^', 'é', false],
      ['x[^', 'xy', true],
      // An unterminated class still consumes one byte, and ends the pattern.
      ['[abc', 'b', true],
      ['[abc', 'bc', false],
      ['[^abc', 'd', true],
      // `]` right after `[` closes an empty class: never matches; `[^]` matches any byte.
      ['a[]b', 'ab', false],
      ['a[]b', 'a]b', false],
      ['a[^]b', 'axb', true],
      ['[]a]', ']', false],
      ['[]a]', ']a]', false],
      ['[]a]', 'a', false],
      // `[a-]` is a range from `]` to `a` that leaves the class unterminated.
      ['[a-]', ']', true],
      ['[a-]', '^', true],
      ['[a-]', 'b', false],
      ['[a-]', '-', false],
      ['[a-', '-', true],
      ['[a-', 'a', true],
      ['[a-', 'b', false],
    ]);
  });

  it('matches escapeGlob output literally', () => {
    const literals = ['a*b', '[x]', 'q?', 'back\\slash', '[^a-z]', '\\', '*', 'é[漢]'];
    for (const literal of literals) {
      expect(globMatch(escapeGlob(literal), literal)).toBe(true);
      expect(globMatch(`${escapeGlob(literal)}*`, `${literal}:rest`)).toBe(true);
      expect(globMatch(escapeGlob(literal), `${literal}x`)).toBe(false);
    }
    expect(globMatch(escapeGlob('a*b'), 'axxb')).toBe(false);
    expect(globMatch(escapeGlob('[x]'), 'x')).toBe(false);
  });

  it('reuses a compiled matcher across subjects of any length', () => {
    const matches = compileGlob('k:*:é?');
    expect(matches('k::éx')).toBe(true);
    expect(matches(`k:${'漢'.repeat(500)}:éx`)).toBe(true);
    expect(matches('k:a:é')).toBe(false);
    expect(matches('k:a:éx')).toBe(true);
  });

  it('treats exactly `*` as SCAN does in compileScanGlob: everything, even the empty key', () => {
    expect(compileScanGlob('*')('')).toBe(true);
    expect(compileGlob('*')('')).toBe(false);
    expect(compileScanGlob('**')('')).toBe(false);
    expect(compileScanGlob('a*')('ab')).toBe(true);
  });
});
