// The published package as a user gets it: `npm pack`, unpacked into a scratch node_modules, then
// loaded with require() from a .cjs file (the CommonJS build) and with import from a .mjs file (the
// ES module build), each booting a Nest module with StoreModule on the memory driver; and a process
// that loads both builds, which StoreModule refuses. Run by `npm run test:pack` (after `npm run build`).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { installPackedPackage } from './scratch-package.mjs';
import { assertShipped, exportTargets, repo, tarballEntries } from './scratch.mjs';

const run = promisify(execFile);

let scratch;
let entries;
let manifest;
let dispose;

before(async () => {
  // The tarball unpacked into <scratch>/node_modules/nestjs-store, its dependencies and peers linked from the repo.
  let tarball;
  ({ scratch, tarball, manifest, dispose } = await installPackedPackage());
  entries = await tarballEntries(tarball);
});

after(() => dispose?.());

describe('npm pack', () => {
  it('ships both builds with their types and module-format markers, package.json and README', () => {
    assertShipped(
      entries,
      [
        'package.json',
        'README.md',
        ...['esm', 'cjs'].flatMap((build) => [
          `dist/${build}/package.json`,
          `dist/${build}/index.js`,
          `dist/${build}/index.d.ts`,
          `dist/${build}/common/single-copy.js`,
        ]),
      ],
      'the build',
    );
  });

  it('marks dist/cjs as CommonJS and dist/esm as ES modules', async () => {
    const installed = join(scratch, 'node_modules', 'nestjs-store');
    for (const [build, type] of [
      ['cjs', 'commonjs'],
      ['esm', 'module'],
    ]) {
      const marker = JSON.parse(
        await readFile(join(installed, 'dist', build, 'package.json'), 'utf8'),
      );
      assert.deepEqual(marker, { type }, `dist/${build}/package.json`);
    }
  });

  it('ships every file that exports, main, types, typesVersions and sideEffects name', () => {
    assertShipped(entries, exportTargets(manifest.exports), 'package.json "exports"');
    assertShipped(entries, [manifest.main, manifest.types], 'package.json "main"/"types"');
    assertShipped(entries, exportTargets(manifest.typesVersions), 'package.json "typesVersions"');
    assert.ok(
      Array.isArray(manifest.sideEffects),
      'sideEffects lists the files with load-time effects (not false)',
    );
    assertShipped(entries, manifest.sideEffects, 'package.json "sideEffects"');
  });

  it('ships no tests, sample, benchmarks, scripts or sources', () => {
    const stray = entries.filter(
      (entry) =>
        /^(test|sample|bench|lib|scripts|\.build|\.ci)\//.test(entry) ||
        /\.tsbuildinfo$|\.tgz$/.test(entry),
    );
    assert.deepEqual(stray, []);
  });
});

describe('entry points', () => {
  const ENTRY_POINTS = [
    ['nestjs-store', ''],
    ['nestjs-store/testing', 'testing/'],
  ];

  it("resolve, at run time, to the build of the caller's module system", async () => {
    const file = join(scratch, 'resolve.mjs');
    await writeFile(file, RESOLVE_APP);
    const { stdout } = await node(file);
    const resolved = JSON.parse(stdout);
    for (const [specifier, sub] of ENTRY_POINTS) {
      assert.match(
        resolved.require[specifier] ?? '',
        new RegExp(`/node_modules/nestjs-store/dist/cjs/${sub}index\\.js$`),
        `require('${specifier}')`,
      );
      assert.match(
        resolved.import[specifier] ?? '',
        new RegExp(`/node_modules/nestjs-store/dist/esm/${sub}index\\.js$`),
        `import '${specifier}'`,
      );
    }
  });

  it('load, and export the same names from the CommonJS and the ES module build', async () => {
    const names = {};
    for (const [format, file, app] of [
      ['require', 'exports.cjs', EXPORTS_CJS],
      ['import', 'exports.mjs', EXPORTS_ESM],
    ]) {
      await writeFile(join(scratch, file), app);
      names[format] = JSON.parse((await node(join(scratch, file))).stdout);
    }
    for (const [specifier] of ENTRY_POINTS) {
      assert.ok(names.import[specifier].length > 0, `${specifier} exports something`);
      assert.deepEqual(
        names.require[specifier],
        names.import[specifier],
        `require('${specifier}') and import '${specifier}' export the same names`,
      );
    }
  });

  it("resolve, for TypeScript, to the types of the caller's module system", () => {
    // The repo's TypeScript, resolving from the scratch app as a user's compiler would.
    const ts = createRequire(join(repo, 'package.json'))('typescript');
    const from = join(scratch, 'src', 'app.ts');
    const cases = [
      // [what, compiler options, the importing file's format (NodeNext only), expected build]
      [
        'module commonjs (Node10 resolution, e.g. a Nest 11 starter)',
        { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 },
        undefined,
        'cjs',
      ],
      [
        'NodeNext, a CommonJS file',
        { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext },
        ts.ModuleKind.CommonJS,
        'cjs',
      ],
      [
        'NodeNext, an ES module',
        { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext },
        ts.ModuleKind.ESNext,
        'esm',
      ],
      [
        'Bundler',
        { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
        undefined,
        'esm',
      ],
    ];
    for (const [what, options, mode, build] of cases) {
      for (const [specifier, sub] of ENTRY_POINTS) {
        const { resolvedModule } = ts.resolveModuleName(
          specifier,
          from,
          options,
          ts.sys,
          undefined,
          undefined,
          mode,
        );
        const got = resolvedModule?.resolvedFileName ?? '(not resolved)';
        assert.match(
          got,
          new RegExp(`/node_modules/nestjs-store/dist/${build}/${sub}index\\.d\\.ts$`),
          `${specifier} with ${what}`,
        );
      }
    }
  });
});

describe('the packed package in a scratch app', () => {
  it('works with require() from CommonJS, loading only the CommonJS build', async () => {
    const file = join(scratch, 'app.cjs');
    await writeFile(file, CJS_APP);
    const { stdout } = await node(file);
    assert.match(stdout, /^OK cjs \{"hello":"cjs"\} builds=commonjs$/m);
  });

  it('works with import from ESM, loading only the ES module build', async () => {
    const file = join(scratch, 'app.mjs');
    await writeFile(file, ESM_APP);
    const { stdout } = await node(file);
    assert.match(stdout, /^OK esm \{"hello":"esm"\} builds=module$/m);
  });
});

describe('both builds in one process', () => {
  // Needs StoreModule.forRoot / forRootAsync to call assertSingleCopy() (lib/common/single-copy.ts).
  for (const [first, file, app] of [
    ['require() first, then import', 'both-require-first.cjs', () => BOTH_REQUIRE_FIRST],
    ['import first, then require()', 'both-import-first.mjs', () => BOTH_IMPORT_FIRST],
  ]) {
    it(`fails at bootstrap with a StoreConfigurationError (${first})`, async () => {
      const path = join(scratch, file);
      await writeFile(path, app());
      const { stdout } = await node(path);
      const result = JSON.parse(stdout.trim().split('\n').at(-1));
      assert.deepEqual(result.builds, ['commonjs', 'module'], 'the app did load both builds');
      assert.equal(result.bootstrapped, false, 'bootstrap must fail with both builds loaded');
      assert.equal(result.name, 'StoreConfigurationError');
      assert.equal(result.code, 'STORE_CONFIGURATION');
      assert.match(result.message, /Two builds of nestjs-store are loaded in one process/);
      assert.match(result.message, /StoreService/);
      assert.match(result.message, /npm ls nestjs-store/);
    });
  }
});

/** Runs a file with this Node in the scratch dir; rejects (failing the test, with its stderr) on a non-zero exit. */
async function node(file) {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  try {
    return await run(process.execPath, [file], { cwd: scratch, env, timeout: 30_000 });
  } catch (error) {
    assert.fail(
      `${file} exited with ${error.code ?? error.signal}\nstdout:\n${error.stdout}\nstderr:\n${error.stderr}`,
    );
  }
}

// Which builds this process has loaded: each build records its format there when it loads.
const LOADED_BUILDS = `[...(globalThis[Symbol.for('nestjs-store.loaded-builds')] ?? [])].sort()`;

const RESOLVE_APP = `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const result = { require: {}, import: {} };
for (const specifier of ['nestjs-store', 'nestjs-store/testing']) {
  try { result.require[specifier] = require.resolve(specifier); } catch (error) { result.require[specifier] = String(error.code ?? error); }
  try { result.import[specifier] = new URL(import.meta.resolve(specifier)).pathname; } catch (error) { result.import[specifier] = String(error.code ?? error); }
}
console.log(JSON.stringify(result));
`;

// The names each entry point exports (ES module namespaces have no __esModule; CommonJS's does).
const EXPORTS_CJS = `'use strict';
const names = {};
for (const specifier of ['nestjs-store', 'nestjs-store/testing']) names[specifier] = Object.keys(require(specifier)).filter((name) => name !== '__esModule').sort();
console.log(JSON.stringify(names));
`;

const EXPORTS_ESM = `const names = {};
for (const specifier of ['nestjs-store', 'nestjs-store/testing']) names[specifier] = Object.keys(await import(specifier)).sort();
console.log(JSON.stringify(names));
`;

const CJS_APP = `'use strict';
require('reflect-metadata');
const { Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { StoreModule, StoreService } = require('nestjs-store');

async function main() {
  class AppModule {}
  Module({ imports: [StoreModule.forRoot({ driver: 'memory' })] })(AppModule); // a decorator call returns nothing
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
  const store = app.get(StoreService);
  await store.set('greeting', { hello: 'cjs' }, { ttl: 60 });
  const value = await store.get('greeting');
  await app.close();
  console.log('OK cjs ' + JSON.stringify(value) + ' builds=' + ${LOADED_BUILDS}.join('+'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

const ESM_APP = `import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StoreModule, StoreService } from 'nestjs-store';

class AppModule {}
Module({ imports: [StoreModule.forRoot({ driver: 'memory' })] })(AppModule);
const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
const store = app.get(StoreService);
await store.set('greeting', { hello: 'esm' }, { ttl: 60 });
const value = await store.get('greeting');
await app.close();
console.log('OK esm ' + JSON.stringify(value) + ' builds=' + ${LOADED_BUILDS}.join('+'));
`;

/** Boots a Nest app with the given copy's StoreModule; prints what happened as one JSON line. */
const BOOTSTRAP = `async function bootstrap(StoreModule, Module, NestFactory) {
  const builds = ${LOADED_BUILDS};
  try {
    class AppModule {}
    Module({ imports: [StoreModule.forRoot({ driver: 'memory' })] })(AppModule);
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
    await app.close();
    return { builds, bootstrapped: true };
  } catch (error) {
    return { builds, bootstrapped: false, name: error?.name, code: error?.code, message: String(error?.message ?? error) };
  }
}`;

const BOTH_REQUIRE_FIRST = `'use strict';
require('reflect-metadata');
const { Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { StoreModule } = require('nestjs-store');
${BOOTSTRAP}

// A CommonJS app that also reaches the ES module build, as a dependency written as ESM would.
import('nestjs-store')
  .then(() => bootstrap(StoreModule, Module, NestFactory))
  .then((result) => console.log(JSON.stringify(result)))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
`;

const BOTH_IMPORT_FIRST = `import 'reflect-metadata';
import { createRequire } from 'node:module';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StoreModule } from 'nestjs-store';
${BOOTSTRAP}

// An ES module app that also reaches the CommonJS build, as a dependency written as CommonJS would.
createRequire(import.meta.url)('nestjs-store');
console.log(JSON.stringify(await bootstrap(StoreModule, Module, NestFactory)));
`;
