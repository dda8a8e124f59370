/**
 * The one-copy rule: each build of nestjs-store records its module format on load, and
 * `assertSingleCopy()` refuses a process that has loaded both the CommonJS and the ES module build.
 * This file runs as an ES module (Jest's vm modules), so importing the source is "the ESM build";
 * the CommonJS build is the same source compiled by TypeScript and run in a CommonJS wrapper.
 */
import { jest } from '@jest/globals';
import ts from 'typescript';
import { readFile } from 'node:fs/promises';
import { assertSingleCopy } from '../../lib/common/single-copy.js';
import * as errors from '../../lib/errors/store.errors.js';

const REGISTRY = Symbol.for('nestjs-store.loaded-builds');
const SOURCE = new URL('../../lib/common/single-copy.ts', import.meta.url);

/** The process-wide registry, as the builds leave it on globalThis. */
function loadedBuilds(): Set<string> {
  const registry = (globalThis as { [REGISTRY]?: unknown })[REGISTRY];
  if (!(registry instanceof Set))
    throw new Error('nestjs-store.loaded-builds is not a Set on globalThis');
  return registry as Set<string>;
}

/** Compiles single-copy.ts the way `npm run build` does for dist/cjs, and evaluates it as a CommonJS module. */
async function loadCommonJsBuild(): Promise<{ assertSingleCopy: () => void }> {
  const { outputText } = ts.transpileModule(await readFile(SOURCE, 'utf8'), {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
  });
  const module = { exports: {} as { assertSingleCopy: () => void } };
  const require = (specifier: string): unknown => {
    if (specifier === '../errors/store.errors.js') return errors;
    throw new Error(`unexpected require('${specifier}') in single-copy.ts`);
  };
  // Node's CommonJS wrapper, in this realm, so it shares this test's globalThis.
  new Function('exports', 'require', 'module', outputText)(module.exports, require, module);
  return module.exports;
}

describe('assertSingleCopy', () => {
  afterEach(() => {
    // Leave the registry as this (ES module) test file has it on its own.
    loadedBuilds().delete('commonjs');
  });

  it('records this build as an ES module on load, and passes with one build', () => {
    expect([...loadedBuilds()]).toEqual(['module']);
    expect(() => assertSingleCopy()).not.toThrow();
  });

  it('keeps the registry out of enumerations of globalThis', () => {
    expect(Object.getOwnPropertyDescriptor(globalThis, REGISTRY)?.enumerable).toBe(false);
  });

  it('passes when the same build is evaluated again (jest.resetModules)', async () => {
    jest.resetModules();
    const again = await import('../../lib/common/single-copy.js');
    expect(again.assertSingleCopy).not.toBe(assertSingleCopy); // really a second evaluation
    expect([...loadedBuilds()]).toEqual(['module']);
    expect(() => again.assertSingleCopy()).not.toThrow();
    expect(() => assertSingleCopy()).not.toThrow();
  });

  it('records the CommonJS build as commonjs, and then both copies refuse with a StoreConfigurationError', async () => {
    const cjs = await loadCommonJsBuild();
    expect([...loadedBuilds()].sort()).toEqual(['commonjs', 'module']);

    for (const check of [assertSingleCopy, cjs.assertSingleCopy]) {
      let thrown: unknown;
      try {
        check();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(errors.StoreConfigurationError);
      const error = thrown as errors.StoreConfigurationError;
      expect(error.code).toBe('STORE_CONFIGURATION');
      // What happened, why it breaks, how to fix it.
      expect(error.message).toContain('Two builds of nestjs-store are loaded in one process');
      expect(error.message).toContain("require('nestjs-store')");
      expect(error.message).toContain("import ... from 'nestjs-store'");
      expect(error.message).toContain('two different StoreService classes');
      expect(error.message).toContain('@Cacheable');
      expect(error.message).toContain('one module system only');
      expect(error.message).toContain('npm ls nestjs-store');
    }
  });

  it('says which copy is asking', async () => {
    const cjs = await loadCommonJsBuild();
    expect(() => cjs.assertSingleCopy()).toThrow('This copy is the CommonJS build.');
    expect(() => assertSingleCopy()).toThrow('This copy is the ES module build.');
  });

  it('passes again once only one build is registered', async () => {
    await loadCommonJsBuild();
    expect(() => assertSingleCopy()).toThrow(errors.StoreConfigurationError);
    loadedBuilds().delete('commonjs');
    expect(() => assertSingleCopy()).not.toThrow();
  });
});
