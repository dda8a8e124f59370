import { escapeGlob } from '../../common/glob.js';
import type { CacheKeyContext, CacheKeyFunction } from './cache-decorator-options.interface.js';

const PLACEHOLDER = /\{([^{}]+)\}/g;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Fills `{name}`, `{0}` and `{a.b}` placeholders from a call; `undefined` when one has no usable
 * value.
 */
export function fillTemplate(
  template: string,
  ctx: CacheKeyContext,
  escape: (part: string) => string = String,
): string | undefined {
  let missing = false;
  const filled = template.replace(PLACEHOLDER, (_match, path: string) => {
    const value = placeholderValue(path.trim(), ctx);
    if (value === undefined) missing = true;
    return value === undefined ? '' : escape(value);
  });
  return missing ? undefined : filled;
}

/**
 * Like `fillTemplate`, with glob characters in filled-in values escaped (for `deleteByPattern`).
 */
export function fillPattern(template: string, ctx: CacheKeyContext): string | undefined {
  return fillTemplate(template, ctx, escapeGlob);
}

/** A key from a template or a key function; `undefined` (do not cache) when it cannot be built. */
export function resolveKey(
  source: string | CacheKeyFunction,
  ctx: CacheKeyContext,
): string | undefined {
  if (typeof source === 'string') return fillTemplate(source, ctx);
  const key = source(ctx);
  return typeof key === 'string' && key.length > 0 ? key : undefined;
}

/** Fills every template of a list; `undefined` when any of them cannot be filled. */
export function fillAll(
  templates: readonly string[] | undefined,
  ctx: CacheKeyContext,
): string[] | undefined {
  const filled: string[] = [];
  for (const template of templates ?? []) {
    const value = fillTemplate(template, ctx);
    if (value === undefined) return undefined;
    filled.push(value);
  }
  return filled;
}

/**
 * The placeholder's value as a string, or `undefined` when it is missing or not a primitive
 * (an object or array would make a meaningless key such as `[object Object]`).
 */
function placeholderValue(path: string, ctx: CacheKeyContext): string | undefined {
  const [head, ...rest] = path.split('.');
  const root = /^\d+$/.test(head) ? ctx.args[Number(head)] : namedValue(head, ctx);
  const value = rest.reduce<unknown>(
    (current, part) => (isRecord(current) ? current[part] : undefined),
    root,
  );
  return isKeyPrimitive(value) ? String(value) : undefined;
}

function namedValue(name: string, ctx: CacheKeyContext): unknown {
  for (const source of ctx.named) {
    if (Object.prototype.hasOwnProperty.call(source, name) && source[name] !== undefined)
      return source[name];
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

function isKeyPrimitive(value: unknown): value is string | number | boolean | bigint {
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean' || type === 'bigint';
}

/**
 * Parameter names of a function from its source text. Only plain identifiers are recognised
 * (`id`, `name = 'x'`); destructured and rest parameters yield `undefined` at their position, so
 * use `{0}` for those.
 */
export function parameterNames(fn: (...args: never[]) => unknown): Array<string | undefined> {
  const source = Function.prototype.toString.call(fn);
  const open = source.indexOf('(');
  if (open < 0) return [];
  return splitTopLevel(source, open + 1).map((param) => {
    const name = param.split('=')[0].trim();
    return IDENTIFIER.test(name) ? name : undefined;
  });
}

/**
 * Splits the parameter list starting at `start` on its top-level commas, up to the closing
 * parenthesis.
 */
function splitTopLevel(source: string, start: number): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = start; i < source.length; i++) {
    const char = source[i];
    if (depth === 0 && char === ')') break;
    if (char === '(' || char === '[' || char === '{') depth++;
    if (char === ')' || char === ']' || char === '}') depth--;
    if (depth === 0 && char === ',') {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (current.trim()) parts.push(current);
  return parts;
}

/** Maps arguments to their parameter names (unnamed positions are skipped). */
export function argumentsByName(
  names: ReadonlyArray<string | undefined>,
  args: readonly unknown[],
): Record<string, unknown> {
  const named: Record<string, unknown> = {};
  names.forEach((name, i) => {
    if (name !== undefined) named[name] = args[i];
  });
  return named;
}

/**
 * Default provider-method key: `method:Class.method:[args as JSON]`; `undefined` unless every
 * argument is a primitive.
 */
export function defaultMethodKey(ctx: CacheKeyContext): string | undefined {
  const primitive = ctx.args.every(
    (arg) => arg === null || ['string', 'number', 'boolean'].includes(typeof arg),
  );
  return primitive
    ? `method:${ctx.className}.${ctx.methodName}:${JSON.stringify(ctx.args)}`
    : undefined;
}
