/**
 * Readers for what the docs specs compare: tables of README.md, JSDoc `@default` tags and type
 * unions of the source (through the TypeScript parser, so formatting never matters), and the
 * literals both write (`2000`, `'1m'`, `{ sharded: false, lingerMs: 100 }`).
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';

const ROOT = new URL('../../', import.meta.url);

/** A file of the repository, as text. */
export function repoFile(path: string): string {
  return readFileSync(new URL(path, ROOT), 'utf8');
}

/** The rows of the first table under `heading` (a whole line such as `## Errors`), header and separator left out, as trimmed cells. */
export function markdownTable(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  if (start === -1) throw new Error(`README.md has no "${heading}" heading`);
  const first = lines.findIndex((line, i) => i > start && line.startsWith('|'));
  const rows: string[][] = [];
  for (let i = first + 2; i < lines.length && lines[i].startsWith('|'); i++)
    rows.push(tableCells(lines[i]));
  return rows;
}

/** A table line's cells; `\|` inside a cell is a pipe of its text, not a border. */
function tableCells(line: string): string[] {
  return line
    .trim()
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

/** The contents of the `code spans` of a Markdown cell, in order. */
export function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
}

function parse(path: string): ts.SourceFile {
  return ts.createSourceFile(path, repoFile(path), ts.ScriptTarget.ES2022, true);
}

/** One property of an options interface: its option path (`pubsub.lingerMs`) and the text of its `@default` tags. */
export interface OptionDoc {
  path: string;
  defaults: string[];
}

/**
 * The properties of the named interfaces of `path`, each under the option path prefix given for
 * its interface (`{ StorePubSubOptions: 'pubsub.' }`).
 */
export function optionDocs(path: string, prefixes: Record<string, string>): OptionDoc[] {
  const docs: OptionDoc[] = [];
  for (const statement of parse(path).statements) {
    if (!ts.isInterfaceDeclaration(statement) || !(statement.name.text in prefixes)) continue;
    for (const member of statement.members) {
      if (!ts.isPropertySignature(member) || !ts.isIdentifier(member.name)) continue;
      const defaults = ts
        .getJSDocTags(member)
        .filter((tag) => tag.tagName.text === 'default')
        .map((tag) => (ts.getTextOfJSDocComment(tag.comment) ?? '').trim());
      docs.push({ path: `${prefixes[statement.name.text]}${member.name.text}`, defaults });
    }
  }
  return docs;
}

/** The string literals of the union type alias `name` in `path`. */
export function unionMembers(path: string, name: string): string[] {
  const alias = parse(path).statements.find(
    (statement): statement is ts.TypeAliasDeclaration =>
      ts.isTypeAliasDeclaration(statement) && statement.name.text === name,
  );
  if (alias === undefined || !ts.isUnionTypeNode(alias.type))
    throw new Error(`${path} declares no union type ${name}`);
  return alias.type.types.map((member) => {
    if (!ts.isLiteralTypeNode(member) || !ts.isStringLiteral(member.literal))
      throw new Error(`${name} has a member that is not a string literal`);
    return member.literal.text;
  });
}

/** `{ a: { b: 1 } }` as `Map { 'a.b' => 1 }`: every leaf under its option path. */
export function leaves(value: object, prefix = ''): Map<string, unknown> {
  const found = new Map<string, unknown>();
  for (const [key, child] of Object.entries(value)) {
    if (child !== null && typeof child === 'object')
      for (const [path, leaf] of leaves(child, `${prefix}${key}.`)) found.set(path, leaf);
    else found.set(`${prefix}${key}`, child);
  }
  return found;
}

/** The value at an option path (`pubsub.lingerMs`), `undefined` where there is none. */
export function valueAt(value: object, path: string): unknown {
  let current: unknown = value;
  for (const key of path.split('.'))
    current =
      current !== null && typeof current === 'object'
        ? (current as Record<string, unknown>)[key]
        : undefined;
  return current;
}

/** Parses a JavaScript literal as the docs write one (numbers, quoted strings, booleans, null, objects with plain keys); `undefined` when `text` is not one. */
export function parseLiteral(text: string): { value: unknown } | undefined {
  try {
    return { value: new LiteralReader(text).read() };
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

const SCALAR = /^(?:true|false|null|-?\d[\d_]*(?:\.\d+)?)/;
const KEY = /^[A-Za-z_$][\w$]*/;

/** A recursive-descent reader of one literal; anything else is a `SyntaxError`. */
class LiteralReader {
  private at = 0;

  constructor(private readonly text: string) {}

  read(): unknown {
    const value = this.value();
    this.skipSpace();
    if (this.at !== this.text.length)
      throw new SyntaxError(`unexpected "${this.text.slice(this.at)}"`);
    return value;
  }

  private value(): unknown {
    this.skipSpace();
    const next = this.text[this.at];
    if (next === '{') return this.object();
    if (next === "'" || next === '"') return this.string(next);
    const scalar = this.take(SCALAR);
    if (scalar === 'true' || scalar === 'false') return scalar === 'true';
    return scalar === 'null' ? null : Number(scalar.replaceAll('_', ''));
  }

  private object(): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    this.at += 1;
    for (this.skipSpace(); this.text[this.at] !== '}'; this.skipSpace()) {
      this.skipSpace();
      const key = this.take(KEY);
      this.expect(':');
      object[key] = this.value();
      this.skipSpace();
      if (this.text[this.at] === ',') this.at += 1;
      else if (this.text[this.at] !== '}') throw new SyntaxError(`expected , or } at ${this.at}`);
    }
    this.at += 1;
    return object;
  }

  private string(quote: string): string {
    const end = this.text.indexOf(quote, this.at + 1);
    if (end === -1) throw new SyntaxError('unterminated string');
    const text = this.text.slice(this.at + 1, end);
    if (text.includes('\\')) throw new SyntaxError('escapes are not read');
    this.at = end + 1;
    return text;
  }

  private take(pattern: RegExp): string {
    const match = pattern.exec(this.text.slice(this.at));
    if (!match) throw new SyntaxError(`not a literal at ${this.at}: "${this.text.slice(this.at)}"`);
    this.at += match[0].length;
    return match[0];
  }

  private expect(char: string): void {
    this.skipSpace();
    if (this.text[this.at] !== char) throw new SyntaxError(`expected ${char} at ${this.at}`);
    this.at += 1;
  }

  private skipSpace(): void {
    while (this.text[this.at] === ' ') this.at += 1;
  }
}
