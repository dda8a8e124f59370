// Every ```ts (or ```typescript) block of README.md is type-checked as a user would paste it: each
// block is its own file in a scratch Nest 12 ESM app (`"type": "module"`, nodenext, strict,
// decorators) where `nestjs-store` is the packed tarball, resolved through its `exports` as a real
// app does. A block that stops compiling fails with the README line of each error. A block must be
// a complete module: its imports written out, the classes it uses declared. Run by
// `npm run test:pack` (after `npm run build`); `KEEP_PACK_SCRATCH=1` keeps the scratch folder.
import assert from 'node:assert/strict';
import { realpath, readFile, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installPackedPackage, repo, run } from './scratch-package.mjs';

const README = join(repo, 'README.md');
const TS_LANGS = new Set(['ts', 'typescript']);
/** Linked into every scratch app whether a block imports them or not: what a Nest app has. */
const ALWAYS_LINKED = ['@nestjs/platform-express', '@nestjs/platform-fastify', '@types/node'];

/** The compiler options of a typical Nest 12 ESM app, strict. */
const TSCONFIG_OPTIONS = {
  target: 'ES2022',
  module: 'nodenext',
  moduleResolution: 'nodenext',
  // No DOM: a DOM type used by mistake (MessageEvent for Nest's, Request) fails here rather than in an app without it.
  lib: ['ES2022'],
  types: ['node'],
  strict: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  isolatedModules: true,
  skipLibCheck: true,
  forceConsistentCasingInFileNames: true,
  noEmit: true,
};

let markdown;
let blocks;
let pkg;
let scratchReal;
let tsc;

before(async () => {
  markdown = await readFile(README, 'utf8');
  blocks = extractBlocks(markdown).filter((block) => TS_LANGS.has(block.lang));

  const repoManifest = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8'));
  const available = new Set(
    ['dependencies', 'devDependencies', 'peerDependencies'].flatMap((field) =>
      Object.keys(repoManifest[field] ?? {}),
    ),
  );
  const imported = new Set(blocks.flatMap((block) => importedPackages(block.code)));
  const extra = new Set(ALWAYS_LINKED);
  for (const name of imported) {
    if (name === 'nestjs-store') continue;
    if (available.has(name)) extra.add(name);
    const types = `@types/${name.replace(/^@([^/]+)\//, '$1__')}`;
    if (available.has(types)) extra.add(types);
  }
  pkg = await installPackedPackage({ prefix: 'nestjs-store-readme-', extra: [...extra] });
  scratchReal = await realpath(pkg.scratch);

  const files = [];
  for (const block of blocks) {
    await writeFile(join(pkg.scratch, block.file), block.code);
    files.push(block.file);
  }
  await writeFile(
    join(pkg.scratch, 'package.json'),
    JSON.stringify({ name: 'readme-snippets', private: true, type: 'module' }, null, 2),
  );
  await writeFile(
    join(pkg.scratch, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: TSCONFIG_OPTIONS, files }, null, 2),
  );

  const started = Date.now();
  const bin = join(repo, 'node_modules', '.bin', process.platform === 'win32' ? 'tsc.cmd' : 'tsc');
  try {
    const { stdout } = await run(bin, ['-p', 'tsconfig.json', '--pretty', 'false', '--listFiles'], {
      cwd: pkg.scratch,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 120_000,
    });
    tsc = { code: 0, stdout };
  } catch (error) {
    if (typeof error.code !== 'number') throw error; // not an exit status: tsc did not run
    tsc = { code: error.code, stdout: `${error.stdout}${error.stderr}` };
  }
  tsc.ms = Date.now() - started;
});

after(async () => {
  await pkg?.dispose();
});

describe('README.md code blocks', () => {
  it('finds every ```ts block: as many as there are ```ts / ```typescript fences, and at least one', () => {
    // Counted independently of the parser above, so a fence it failed to recognise fails here.
    const fences = markdown
      .split('\n')
      .filter((line) => /^\s*(`{3,}|~{3,})\s*(ts|typescript)\b/i.test(line)).length;
    assert.ok(blocks.length > 0, 'no ```ts block found in README.md');
    assert.equal(
      blocks.length,
      fences,
      `parsed ${blocks.length} ts blocks but README.md has ${fences} ts fences`,
    );
  });

  it('type-checks every ```ts block against the packed package', (t) => {
    const diagnostics = mapDiagnostics(tsc.stdout, blocks);
    if (tsc.code !== 0 || diagnostics.length > 0) {
      // Nothing recognised (tsc crashed, or printed in another format): show what it printed.
      const details =
        diagnostics.length > 0
          ? diagnostics
          : tsc.stdout.split('\n').filter((line) => !line.startsWith(sep));
      assert.fail(
        `${diagnostics.filter((line) => / error TS/.test(line)).length} error(s) in the ts blocks of README.md ` +
          `(tsc exited ${tsc.code}; scratch app: ${pkg.scratch}, KEEP_PACK_SCRATCH=1 keeps it):\n${details.join('\n')}`,
      );
    }
    t.diagnostic(`${blocks.length} README blocks type-checked in ${tsc.ms} ms`);
  });

  it("resolves 'nestjs-store' to the packed tarball's own types, the ones its exports give an ESM import", () => {
    const listed = tsc.stdout
      .split('\n')
      .filter((line) => line.startsWith(sep) || /^[A-Za-z]:[\\/]/.test(line));
    const entry = exportedTypes(pkg.manifest, ['types', 'import', 'node', 'default']);
    assert.ok(entry, `the packed package.json exports no types for an ESM import of "."`);
    const expected = join(scratchReal, 'node_modules', 'nestjs-store', entry);
    const own = listed.filter((file) =>
      file.startsWith(join(scratchReal, 'node_modules', 'nestjs-store') + sep),
    );
    assert.ok(
      listed.includes(expected),
      `${expected} was not compiled; files of the packed package that were:\n${own.join('\n') || '(none)'}`,
    );
    const fromRepo = listed.filter(
      (file) =>
        file.startsWith(join(repo, 'lib') + sep) || file.startsWith(join(repo, 'dist') + sep),
    );
    assert.deepEqual(
      fromRepo,
      [],
      'the snippets reached the repo build instead of the packed package',
    );
  });
});

/**
 * The fenced code blocks of a Markdown text: `{ lang, line, indent, code, file }`, `line` the
 * 1-based line of the opening fence. Fences may be indented (inside a list item); their indent is
 * removed from the code. Every block is numbered; `file` is `block-NN.ts` by order among ts blocks.
 */
function extractBlocks(text) {
  const lines = text.split('\n');
  const found = [];
  let open = null;
  let tsIndex = 0;
  lines.forEach((line, index) => {
    if (!open) {
      const start = /^( *)(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
      if (start)
        open = {
          indent: start[1].length,
          fence: start[2],
          lang: start[3].toLowerCase(),
          line: index + 1,
          body: [],
        };
      return;
    }
    const end = /^ *(`{3,}|~{3,})\s*$/.exec(line);
    if (end && end[1][0] === open.fence[0] && end[1].length >= open.fence.length) {
      const code =
        open.body.map((l) => l.replace(new RegExp(`^ {0,${open.indent}}`), '')).join('\n') + '\n';
      const file = TS_LANGS.has(open.lang)
        ? `block-${String(++tsIndex).padStart(2, '0')}.ts`
        : undefined;
      found.push({ lang: open.lang, line: open.line, indent: open.indent, code, file });
      open = null;
      return;
    }
    open.body.push(line);
  });
  if (open) throw new Error(`README.md:${open.line}: code block never closed`);
  return found;
}

/**
 * The declaration file TypeScript takes for `import 'nestjs-store'` under these conditions, from the
 * manifest's `exports` (nested conditions followed in order; a `.js` target means its sibling
 * `.d.ts`), else its `types`. Relative to the package folder.
 */
function exportedTypes(manifest, conditions) {
  const pick = (target) => {
    if (typeof target === 'string') return target;
    if (Array.isArray(target)) return target.map(pick).find(Boolean);
    if (target && typeof target === 'object') {
      for (const [key, value] of Object.entries(target))
        if (conditions.includes(key)) {
          const found = pick(value);
          if (found) return found;
        }
    }
    return undefined;
  };
  let exports = manifest.exports;
  if (
    exports &&
    typeof exports === 'object' &&
    !Array.isArray(exports) &&
    Object.keys(exports).some((key) => key.startsWith('.'))
  ) {
    exports = exports['.'];
  }
  const target = exports === undefined ? (manifest.types ?? manifest.typings) : pick(exports);
  return target?.replace(/\.(m|c)?js$/, '.d.$1ts').replace(/^\.\//, '');
}

/** Bare package names a block imports (`@scope/name` or `name`), Node built-ins left out. */
function importedPackages(code) {
  const names = [];
  for (const match of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
    const specifier = match[1];
    if (
      specifier.startsWith('.') ||
      specifier.startsWith('node:') ||
      builtinModules.includes(specifier.split('/')[0])
    )
      continue;
    const parts = specifier.split('/');
    names.push(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  }
  return names;
}

/**
 * tsc's output (`--pretty false`) with each `block-NN.ts(line,col): error TS…` rewritten to the
 * README line it came from: `README.md:LINE: error TS…: message  [block-NN.ts:line:col]`.
 * Continuation lines (message chains) are kept; other lines (`--listFiles` paths) dropped.
 */
function mapDiagnostics(output, tsBlocks) {
  const byFile = new Map(tsBlocks.map((block) => [block.file, block]));
  const result = [];
  let inDiagnostic = false;
  for (const line of output.split('\n')) {
    const located = /^(block-\d+\.ts)\((\d+),(\d+)\): (error|warning|message) (TS\d+: .*)$/.exec(
      line,
    );
    if (located) {
      const block = byFile.get(located[1]);
      const readmeLine = block.line + Number(located[2]);
      result.push(
        `README.md:${readmeLine}: ${located[4]} ${located[5]}  [${located[1]}:${located[2]}:${located[3]}]`,
      );
      inDiagnostic = true;
    } else if (/^(.*\(\d+,\d+\): )?(error|warning) TS\d+:/.test(line)) {
      result.push(line); // not in a block: the tsconfig, or a declaration file
      inDiagnostic = true;
    } else if (inDiagnostic && /^\s+\S/.test(line)) {
      result.push(line);
    } else {
      inDiagnostic = false;
    }
  }
  return result;
}
