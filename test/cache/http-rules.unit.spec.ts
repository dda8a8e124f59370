/** The pure parts of the HTTP rules, case by case (the HTTP spec runs them through real apps). */
import {
  callerIdentifiedBy,
  credentialHeaderNames,
} from '../../lib/nest/cache/http/http-caller.js';
import type { HttpCacheEntry, HttpHeaders } from '../../lib/nest/cache/http/http-cache-entry.js';
import { replayableHeaders } from '../../lib/nest/cache/http/http-replayable-headers.js';
import { whyNotStored, type HttpStorePolicy } from '../../lib/nest/cache/http/http-storability.js';
import { sameVary, variantKey, varyNames } from '../../lib/nest/cache/http/http-vary.js';
import { defaultUserResolver } from '../../lib/nest/cache/http-cache-rules.js';
import { keyForLog, messageForLog } from '../../lib/engine/cache/key-for-log.js';

describe('who identifies the caller', () => {
  const names = credentialHeaderNames(['X-Tenant-Token'], ['x-route', 'X-TENANT-TOKEN']);

  it('knows the built-in credential headers and adds configured ones, lower case, once each', () => {
    expect(names).toEqual([
      'authorization',
      'proxy-authorization',
      'cookie',
      'x-api-key',
      'x-tenant-token',
      'x-route',
    ]);
  });

  it('names the first non-empty credential header, then req.user, then the user resolver', () => {
    expect(
      callerIdentifiedBy({ headers: { 'x-tenant-token': 't' } }, names, defaultUserResolver),
    ).toBe('the x-tenant-token header');
    expect(
      callerIdentifiedBy({ headers: { cookie: ['', 'a=b'] } }, names, defaultUserResolver),
    ).toBe('the cookie header');
    expect(
      callerIdentifiedBy({ headers: { authorization: '' } }, names, defaultUserResolver),
    ).toBeUndefined();
    expect(
      callerIdentifiedBy({ headers: {}, user: { name: 'no id' } }, names, defaultUserResolver),
    ).toBe('req.user');
    expect(
      callerIdentifiedBy({ headers: {}, user: null }, names, defaultUserResolver),
    ).toBeUndefined();
    const fromAuth = (request: unknown) => (request as { auth?: { sub?: string } }).auth?.sub;
    expect(callerIdentifiedBy({ headers: {}, auth: { sub: 'u1' } } as never, names, fromAuth)).toBe(
      'the user resolver',
    );
    expect(callerIdentifiedBy({ headers: {} }, names, fromAuth)).toBeUndefined();
  });

  it('treats a user resolver that throws as identifying the caller (bypass, never a 500)', () => {
    const throwing = (request: unknown) => (request as { auth: { sub: string } }).auth.sub;
    expect(callerIdentifiedBy({ headers: {} }, names, throwing)).toMatch(/user resolver/);
  });
});

describe('which responses may be stored', () => {
  const entry = (status = 200, body: unknown = { ok: true }): HttpCacheEntry => ({
    kind: 'http-response',
    status,
    headers: {},
    body,
    storedAt: 0,
  });
  const shared: HttpStorePolicy = { fills: true, scope: 'shared' };
  const check = (headers: HttpHeaders, policy = shared, e = entry()) =>
    whyNotStored({ entry: e, headers, sentByHandler: false, body: e.body }, policy);

  it('stores a plain 2xx', () => {
    expect(check({})).toBeUndefined();
    expect(check({ 'cache-control': 'public, max-age=60', vary: 'Accept' })).toBeUndefined();
  });

  it('refuses HEAD, non-2xx, no body, streams and unless', () => {
    expect(check({}, { ...shared, fills: false })).toMatch(/HEAD/);
    expect(check({}, shared, entry(404))).toBe('status 404');
    expect(check({}, shared, { ...entry(), body: undefined })).toMatch(/nothing/);
    expect(check({}, shared, entry(200, Buffer.from('x')))).toMatch(/stream/);
    expect(check({}, { ...shared, unless: () => true })).toMatch(/unless/);
  });

  it('reads Cache-Control directives, quoted arguments and case included', () => {
    expect(check({ 'cache-control': 'No-Store' })).toBe('Cache-Control: no-store');
    expect(check({ 'cache-control': 'max-age=0, no-cache' })).toBe('Cache-Control: no-cache');
    expect(check({ 'cache-control': 'private="Set-Cookie, X-A"' })).toBe('Cache-Control: private');
    expect(check({ 'cache-control': ['public', 'private'] })).toBe('Cache-Control: private');
    expect(check({ 'cache-control': 'public, x-note="no-store, private"' })).toBeUndefined();
    expect(check({ 'cache-control': 'private' }, { fills: true, scope: 'user' })).toBeUndefined();
    expect(check({ 'cache-control': 'private' }, { fills: true, scope: 'public' })).toBe(
      'Cache-Control: private',
    );
  });

  it('refuses Set-Cookie and Vary: *', () => {
    expect(check({ 'set-cookie': ['a=1'] })).toMatch(/cookie/);
    expect(check({ vary: 'Accept, *' })).toBe('Vary: *');
  });
});

describe('Vary', () => {
  it('lists the varied headers lower case, sorted, once each', () => {
    expect(varyNames('Accept-Language, accept, ACCEPT')).toEqual(['accept', 'accept-language']);
    expect(varyNames(['Origin', 'Accept-Encoding'])).toEqual(['accept-encoding', 'origin']);
    expect(varyNames(undefined)).toEqual([]);
    expect(varyNames('*')).toBe('*');
    expect(sameVary(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(sameVary('*', ['a'])).toBe(false);
  });

  it('gives each combination of request values its own key; absent and empty differ; whitespace runs do not', () => {
    const spec = { kind: 'http-vary' as const, vary: ['accept-language'], variants: 'id1' };
    const key = (value?: string | string[]) =>
      variantKey('cache:k', spec, {
        headers: value === undefined ? {} : { 'accept-language': value },
      });
    expect(key('en')).toMatch(/^cache:k#vary:id1:[\w-]{22}$/);
    expect(key('en')).not.toBe(key('fr'));
    expect(key()).not.toBe(key(''));
    expect(key('en,  fr')).toBe(key('en, fr'));
    expect(key(['en', 'fr'])).toBe(key('en, fr'));
    expect(
      variantKey('cache:k', { ...spec, variants: 'id2' }, { headers: { 'accept-language': 'en' } }),
    ).not.toBe(key('en'));
  });
});

describe('headers a HIT replays', () => {
  it('drops hop-by-hop headers, those Connection names, Set-Cookie and per-send ones', () => {
    const headers: HttpHeaders = {
      'content-type': 'text/plain',
      'x-app': '1',
      'x-hop': 'a',
      connection: 'x-hop',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'set-cookie': ['a=1'],
      'content-length': '3',
      date: 'now',
      age: '4',
      'x-cache': 'MISS',
    };
    expect(replayableHeaders(headers, headers['connection'])).toEqual({
      'content-type': 'text/plain',
      'x-app': '1',
    });
  });
});

describe('keys in log lines', () => {
  it('prints short keys whole and long ones as their head and a digest', () => {
    expect(keyForLog('cache:user:1')).toBe('cache:user:1');
    const long = `cache:${'k'.repeat(5_000)}`;
    expect(keyForLog(long)).toMatch(/^cache:k{34}…#[\w-]{8} \(5006 chars\)$/);
    expect(messageForLog(new Error(`bad key ${long}!`), long)).toBe(`bad key ${keyForLog(long)}!`);
  });
});
