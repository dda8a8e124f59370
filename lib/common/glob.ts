/** Characters with a meaning in Redis glob patterns (SCAN MATCH, PSUBSCRIBE). */
const GLOB_SPECIAL = /[*?[\]\\]/g;

/** Escapes `literal` so a Redis glob matches it exactly (used for prefixes before a user's pattern). */
export function escapeGlob(literal: string): string {
  return literal.replace(GLOB_SPECIAL, '\\$&');
}

/**
 * Compiles a Redis glob (`*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\x`) to a RegExp with Redis's
 * semantics, so the memory driver matches exactly what SCAN MATCH / PSUBSCRIBE would.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (char === '*') source += '[\\s\\S]*';
    else if (char === '?') source += '[\\s\\S]';
    else if (char === '\\' && i + 1 < glob.length) source += escapeRegExp(glob[++i]);
    else if (char === '[') {
      const end = classEnd(glob, i);
      if (end === -1) source += '\\[';
      else {
        source += characterClass(glob.slice(i + 1, end));
        i = end;
      }
    } else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`);
}

function classEnd(glob: string, open: number): number {
  for (let i = open + 1; i < glob.length; i++) {
    if (glob[i] === '\\') i++;
    else if (glob[i] === ']' && i > open + 1) return i;
  }
  return -1;
}

function characterClass(body: string): string {
  const negated = body.startsWith('^');
  let out = '';
  for (let i = negated ? 1 : 0; i < body.length; i++) {
    const char = body[i] === '\\' && i + 1 < body.length ? body[++i] : body[i];
    if (body[i + 1] === '-' && i + 2 < body.length) {
      const [from, to] = [char, body[i + 2]].sort();
      out += `${escapeRegExp(from)}-${escapeRegExp(to)}`;
      i += 2;
    } else out += escapeRegExp(char);
  }
  return `[${negated ? '^' : ''}${out}]`;
}

function escapeRegExp(char: string): string {
  return char.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
