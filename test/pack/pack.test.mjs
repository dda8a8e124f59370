// The published package as a user gets it: `npm pack`, unpacked into a scratch node_modules, then
// loaded with require() from a .cjs file and with import from a .mjs file, each booting a Nest
// module with StoreModule on the memory driver. Run by `npm run test:pack` (after `npm run build`).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let scratch;
let tarball;
let entries;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nestjs-store-pack-'));
  const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', scratch], { cwd: repo });
  tarball = join(scratch, JSON.parse(stdout)[0].filename);

  const listing = await run('tar', ['-tzf', tarball]);
  entries = listing.stdout.split('\n').filter(Boolean).map((entry) => entry.replace(/^package\//, ''));

  const installed = join(scratch, 'node_modules', 'nestjs-store');
  await mkdir(installed, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);

  // What npm would install next to it, offline: link each dependency and peer to the repo's copy.
  // Node follows a symlink to its real path, so their own dependencies resolve from the repo.
  const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8'));
  const needed = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
  for (const name of needed) {
    const link = join(scratch, 'node_modules', name);
    await mkdir(dirname(link), { recursive: true });
    await symlink(join(repo, 'node_modules', name), link, 'dir');
  }
});

after(async () => {
  if (scratch && !process.env.KEEP_PACK_SCRATCH) await rm(scratch, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the build, package.json and README', () => {
    for (const file of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts']) {
      assert.ok(entries.includes(file), `${file} is missing from the tarball:\n${entries.join('\n')}`);
    }
  });

  it('ships no tests, sample, benchmarks or sources', () => {
    const stray = entries.filter(
      (entry) => /^(test|sample|bench|lib|\.build|\.ci)\//.test(entry) || /\.tsbuildinfo$|\.tgz$/.test(entry),
    );
    assert.deepEqual(stray, []);
  });
});

describe('the packed package in a scratch app', () => {
  it('works with require() from CommonJS', async () => {
    const file = join(scratch, 'app.cjs');
    await writeFile(file, CJS_APP);
    const { stdout } = await node(file);
    assert.match(stdout, /^OK cjs \{"hello":"cjs"\} same-module$/m);
  });

  it('works with import from ESM', async () => {
    const file = join(scratch, 'app.mjs');
    await writeFile(file, ESM_APP);
    const { stdout } = await node(file);
    assert.match(stdout, /^OK esm \{"hello":"esm"\}$/m);
  });
});

/** Runs a file with this Node in the scratch dir; rejects (failing the test, with its stderr) on a non-zero exit. */
async function node(file) {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  try {
    return await run(process.execPath, [file], { cwd: scratch, env, timeout: 30_000 });
  } catch (error) {
    assert.fail(`${file} exited with ${error.code}\nstdout:\n${error.stdout}\nstderr:\n${error.stderr}`);
  }
}

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
  // require() and import must give the same module instance, or Nest would see two StoreServices.
  const imported = await import('nestjs-store');
  const same = imported.StoreService === StoreService ? 'same-module' : 'DIFFERENT-modules';
  console.log('OK cjs ' + JSON.stringify(value) + ' ' + same);
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
console.log('OK esm ' + JSON.stringify(value));
`;
