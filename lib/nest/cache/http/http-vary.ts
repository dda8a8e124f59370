import { randomBytes } from 'node:crypto';
import type { HttpRequestLike } from '../cache-call-context.js';
import { digest } from '../../../engine/cache/digest.js';
import type { HttpHeaderValue, HttpVarySpec } from './http-cache-entry.js';

/**
 * The header names a `Vary` value lists (lower case, sorted, unique), or `'*'` when it varies on
 * everything.
 */
export function varyNames(value: HttpHeaderValue | undefined): string[] | '*' {
  const names = [value ?? []]
    .flat()
    .flatMap((part) => part.split(','))
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name.length > 0);
  if (names.includes('*')) return '*';
  return [...new Set(names)].sort();
}

/** Whether two lists from `varyNames` name the same headers. */
export function sameVary(a: string[] | '*', b: readonly string[]): boolean {
  return a !== '*' && a.length === b.length && a.every((name, i) => name === b[i]);
}

/**
 * The key of the request's variant (RFC 9111 §4.1 secondary key): the route key, the spec's id, and
 * a digest of the request's values of the varied headers (absent and empty are distinct; repeated
 * headers are joined and whitespace runs collapsed, as the RFC allows).
 */
export function variantKey(routeKey: string, spec: HttpVarySpec, request: HttpRequestLike): string {
  const values = spec.vary.map((name) => requestHeader(request, name));
  return `${routeKey}#vary:${spec.variants}:${digest(JSON.stringify(values))}`;
}

/** A fresh id for a set of variants. */
export function newVariantsId(): string {
  return randomBytes(9).toString('base64url');
}

function requestHeader(request: HttpRequestLike, name: string): string | null {
  const value = request.headers?.[name];
  if (value === undefined) return null;
  return [value].flat().join(', ').replace(/\s+/g, ' ').trim();
}
