import type { StoreCacheOptions } from '../../engine/cache/cache-options.interface.js';

/** Where a decorated call comes from: `method` is a provider method wrapped at bootstrap. */
export type CacheCallType = 'http' | 'rpc' | 'ws' | 'graphql' | 'method';

/** What key functions, `condition` and user resolvers see of one call. */
export interface CacheKeyContext {
  /** Kind of call. */
  type: CacheCallType;
  /** Name of the class that declares the handler or method. */
  className: string;
  /** Name of the handler or method. */
  methodName: string;
  /**
   * Arguments: for provider methods, the call's arguments; for RPC/WebSocket/GraphQL handlers, the
   * raw context arguments (`context.getArgs()`); for HTTP, empty (use `params` and `query`).
   */
  args: readonly unknown[];
  /**
   * Values `{name}` placeholders read, in order of precedence: HTTP route params then query;
   * provider methods: arguments by parameter name; RPC: the payload; WebSocket: the message body;
   * GraphQL: the resolver's args object.
   */
  named: ReadonlyArray<Readonly<Record<string, unknown>>>;
  /**
   * HTTP request method in upper case (`HEAD` is reported as `GET`: HEAD is answered from the GET
   * entry).
   */
  httpMethod?: string;
  /** The raw HTTP request (Express `Request` or Fastify `FastifyRequest`); HTTP only. */
  request?: unknown;
}

/** Builds a cache key from a call; return `undefined` to leave this call uncached. */
export type CacheKeyFunction = (ctx: CacheKeyContext) => string | undefined;

/** Resolves the identity of the caller from the HTTP request, for `scope: 'user'`. */
export type CacheUserResolver = (request: unknown) => string | number | undefined | null;

/**
 * Who may share an entry. `'shared'`: everyone whom nothing identifies; `'user'`: one entry per
 * caller identity; `'public'`: everyone, credentials or not (an explicit opt-in).
 */
export type CacheScope = 'shared' | 'user' | 'public';

/**
 * Options of `@Cacheable`. Every option of `getOrSet` (`StoreCacheOptions`) is accepted as well.
 */
export interface CacheableOptions extends Omit<StoreCacheOptions, 'tags'> {
  /**
   * The key: a template such as `'user:{id}'`, `'{0}:{1}'` or `'order:{order.id}'`, or a function
   * of the call. Placeholders read HTTP route params then query, provider method arguments by name
   * (plain identifiers only) or position, the RPC payload / WebSocket body / GraphQL args by name,
   * or the raw context arguments by position. A placeholder that resolves to `undefined`, `null`,
   * an object or an array leaves the call uncached. Default for HTTP: method, normalised path and
   * sorted query; for provider methods: class, method and the (primitive) arguments; RPC,
   * WebSocket and GraphQL handlers without `key` are not cached. The key is stored under
   * `CACHE_KEY_PREFIX` (`'cache:'`).
   *
   * The default HTTP key is `http:<METHOD> <host><path>`, the path exactly as the router received
   * it, followed by `?<hash>` of the sorted query: query values never appear in clear in Redis.
   */
  key?: string | CacheKeyFunction;
  /**
   * Tags of the entry, templates like `key` (`['users', 'user:{id}']`); invalidate with
   * `store.invalidateTags` or `@CacheEvict({ tags })`.
   */
  tags?: string[];
  /**
   * `'shared'` (default): one entry for every caller whom nothing identifies. An HTTP request
   * carrying a credential header (`Authorization`, `Proxy-Authorization`, `Cookie`, `X-Api-Key`,
   * `credentialHeaders`), or with `req.user` set (or an identity from the `user` resolver), is
   * never served from or written to it (`X-Cache: BYPASS`).
   * `'user'`: one entry per caller identity (see `user`); callers without an identity bypass the
   * cache. HTTP only: elsewhere such calls bypass the cache.
   * `'public'`: one entry for everyone, credentials or not: use it only for responses that are the
   * same whoever asks.
   */
  scope?: CacheScope;
  /**
   * More request headers that identify the caller (case-insensitive), added to the built-in ones
   * (`Authorization`, `Proxy-Authorization`, `Cookie`, `X-Api-Key`) and to the module's
   * `cache.credentialHeaders`. A request carrying one bypasses a `'shared'` entry.
   */
  credentialHeaders?: string[];
  /**
   * Identity of the caller for `scope: 'user'`. Default: the module option, else
   * `req.user.id ?? req.user.sub`.
   */
  user?: CacheUserResolver;
  /** Cache this call only when it returns `true` (evaluated before the cache is read). */
  condition?: (ctx: CacheKeyContext) => boolean;
  /** Do not store a result for which this returns `true` (it is still returned). */
  unless?: (result: unknown) => boolean;
  /**
   * HTTP methods cached, upper case. Default `['GET', 'HEAD']`. HEAD is answered from the GET entry
   * when there is one and never fills it (a HEAD miss runs the handler, `X-Cache: BYPASS`).
   */
  methods?: string[];
  /**
   * Let a client's `Cache-Control: no-cache` skip the read (the entry is refreshed). Default: the
   * module option, else `false`.
   */
  honorNoCache?: boolean;
  /** The store to cache in: a `name` registered with `forRoot`. Default: the default store. */
  store?: string;
}

/** Options of `@CacheEvict`. */
export interface CacheEvictOptions {
  /** Keys to delete, templates as in `@Cacheable({ key })` (the same `cache:` key space). */
  keys?: Array<string | CacheKeyFunction>;
  /** Tags to invalidate, templates too. */
  tags?: string[];
  /**
   * Redis globs within the decorator key space (`'user:*'` deletes `cache:user:*`), templates too.
   */
  patterns?: string[];
  /**
   * Delete every entry written by `@Cacheable` (shared and per-user) in this store. Default
   * `false`.
   */
  all?: boolean;
  /**
   * `'user'`: `keys` name the caller's `scope: 'user'` entries (HTTP). `'shared'` (default) and
   * `'public'` name the one entry everyone shares.
   */
  scope?: CacheScope;
  /** Identity of the caller for `scope: 'user'`; default as in `@Cacheable`. */
  user?: CacheUserResolver;
  /**
   * Evict before the method runs (and whatever its outcome). Default `false`: evict after the
   * method succeeds, never when it throws.
   */
  beforeInvocation?: boolean;
  /** The store to evict from: a `name` registered with `forRoot`. Default: the default store. */
  store?: string;
}

/**
 * Module-level options of the caching decorators, provided under `STORE_CACHE_DECORATOR_OPTIONS`.
 */
export interface StoreCacheDecoratorOptions {
  /**
   * Default identity resolver for `scope: 'user'`. Default: `req.user.id ?? req.user.sub`. In
   * `'shared'` scope, a request it finds an identity for bypasses the entry.
   */
  user?: CacheUserResolver;
  /** Default of `honorNoCache`. Default `false`. */
  honorNoCache?: boolean;
  /**
   * Request headers that identify the caller in this app (case-insensitive), added to the
   * built-in `Authorization`, `Proxy-Authorization`, `Cookie` and `X-Api-Key`: a request carrying
   * one never reads or fills a `'shared'` entry. Default: none.
   */
  credentialHeaders?: string[];
}
