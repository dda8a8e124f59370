// `npm run build`: compiles lib/ twice with tsc, to dist/esm (ES modules, for `import`) and to
// dist/cjs (CommonJS, for `require`), each with its .d.ts files, and marks each folder's module
// format with a package.json so Node and TypeScript read dist/cjs as CommonJS although the
// package itself is "type": "module".
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

const builds = [
  { config: 'tsconfig.build.json', outDir: 'dist/esm', type: 'module' },
  { config: 'tsconfig.build.cjs.json', outDir: 'dist/cjs', type: 'commonjs' },
];

await rm(join(root, 'dist'), { recursive: true, force: true });

// Both at once: each tsc is mostly single-threaded, and this halves the build on two cores.
const results = await Promise.all(builds.map((build) => compile(build.config)));
const failed = builds.filter((_, index) => results[index] !== 0);
if (failed.length > 0) {
  console.error(`build failed: ${failed.map((build) => build.config).join(', ')}`);
  process.exit(1);
}

for (const build of builds) {
  await mkdir(join(root, build.outDir), { recursive: true });
  await writeFile(
    join(root, build.outDir, 'package.json'),
    `${JSON.stringify({ type: build.type }, null, 2)}\n`,
  );
}
console.log(`built ${builds.map((build) => `${build.outDir} (${build.type})`).join(' and ')}`);

/** Runs tsc on one config; resolves to its exit code, after printing its output under the config's name. */
function compile(config) {
  return new Promise((resolveCode, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', config], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Collected, not streamed, so the two compilers' messages do not interleave.
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const text = Buffer.concat(output).toString().trimEnd();
      if (text) console.error(`tsc -p ${config}:\n${text}`);
      resolveCode(code ?? (signal ? 1 : 0));
    });
  });
}
