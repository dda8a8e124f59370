import { StoreConfigurationError } from '../errors/store.errors.js';

/**
 * Guards against the dual-package hazard: the package ships a CommonJS build (for `require`) and an
 * ES module build (for `import`), and a process that loads both has two `StoreModule`s, two
 * `StoreService` classes and two sets of decorators that do not know each other.
 *
 * Loading this file is the side effect: each build records its format in a registry shared by the
 * whole process (`globalThis`, under a `Symbol.for` key, so both copies find the same one), and
 * `StoreModule.forRoot` / `forRootAsync` call `assertSingleCopy()` before doing anything else.
 */

/** The module system a build of nestjs-store was loaded through. */
export type StoreBuildFormat = 'commonjs' | 'module';

/**
 * Process-wide key of the registry; `Symbol.for` gives both builds (and any realm) the same symbol.
 */
const LOADED_BUILDS = Symbol.for('nestjs-store.loaded-builds');

/**
 * The registry as stored on `globalThis`; typed loosely because another copy (or version) wrote it.
 */
interface BuildRegistry {
  add(format: StoreBuildFormat): unknown;
  has(format: StoreBuildFormat): boolean;
}

/**
 * This copy's format. CommonJS code runs inside a module wrapper (Node's or Jest's) that defines
 * `module` and `exports`; an ES module (Node's, or Jest's vm modules) has neither. `import.meta`
 * would say it directly, but it is a syntax error in the CommonJS build.
 */
const THIS_BUILD: StoreBuildFormat =
  typeof module === 'object' && module !== null && typeof exports === 'object'
    ? 'commonjs'
    : 'module';

/** The shared registry, created by whichever copy loads first. */
function loadedBuilds(): BuildRegistry {
  const holder = globalThis as { [LOADED_BUILDS]?: unknown };
  const existing = holder[LOADED_BUILDS];
  if (isRegistry(existing)) return existing;
  const created = new Set<StoreBuildFormat>();
  // Not enumerable, so it stays out of the way of anything that walks globalThis.
  Object.defineProperty(globalThis, LOADED_BUILDS, {
    value: created,
    configurable: true,
    enumerable: false,
    writable: true,
  });
  return created;
}

/** Duck-typed rather than `instanceof Set`: the Set may come from another realm. */
function isRegistry(value: unknown): value is BuildRegistry {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof BuildRegistry, unknown>>;
  return typeof candidate.add === 'function' && typeof candidate.has === 'function';
}

// The load-time side effect (listed in package.json "sideEffects"). A set, so evaluating the same
// build again (jest.resetModules(), a second copy of the same build) is not a conflict.
loadedBuilds().add(THIS_BUILD);

/**
 * Throws a `StoreConfigurationError` when the CommonJS and the ES module builds of nestjs-store are
 * both loaded in this process (for example `require('nestjs-store')` in one place and
 * `import ... from 'nestjs-store'` in another). Called at the start of `StoreModule.forRoot` and
 * `forRootAsync`, so the app fails at bootstrap with the fix in the message instead of failing
 * later with an unresolved `StoreService` or a decorator that silently does nothing.
 *
 * @throws StoreConfigurationError when both builds have been loaded.
 */
export function assertSingleCopy(): void {
  const builds = loadedBuilds();
  if (!(builds.has('commonjs') && builds.has('module'))) return;
  throw new StoreConfigurationError(
    'Two builds of nestjs-store are loaded in one process: the CommonJS build ' +
      "(loaded by require('nestjs-store'), or by TypeScript compiled to CommonJS) " +
      "and the ES module build (loaded by import ... from 'nestjs-store'). " +
      `This copy is the ${THIS_BUILD === 'commonjs' ? 'CommonJS' : 'ES module'} build. ` +
      'Each build has its own StoreModule, StoreService and decorators: Nest sees two different ' +
      'StoreService classes, and @Cacheable, @CacheEvict, @RateLimit and @OnChannel from one ' +
      'copy look for the store of the other copy and do not find it. ' +
      'Fix: load nestjs-store through one module system only, everywhere in the app ' +
      '(require in a CommonJS app, ' +
      'import in an ES module app), including in your own libraries and in test setup files; ' +
      'run `npm ls nestjs-store` to see which packages depend on it.',
  );
}
