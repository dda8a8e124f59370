/**
 * The layers of `lib/`, lowest first: a file may import from its own folder or from a folder below
 * it, never from one above. This keeps the folder graph acyclic (CI fails on an import that runs
 * the wrong way) without a linter plugin to install: it reads the relative imports of every file.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const LIB = fileURLToPath(new URL('../../lib', import.meta.url));

/** Lowest first. `(root)` is the Nest module wiring and the public barrel on top of everything. */
const LAYERS = [
  'errors', // typed errors
  'serialization', // values to stored strings
  'telemetry', // diagnostics_channel names, payloads, publish helpers
  'common', // validation, TTLs, globs, tokens
  'keys', // Redis names
  'drivers', // StoreDriver, redis/ and memory/: no feature code
  'engine', // cache-aside, entries, L1 and its bus, pub/sub and streams machinery, the rate limiter
  'store', // StoreService, the facade over the engine
  'nest', // decorators, interceptors, guard, explorers, injection tokens
  'config', // user options, their validation and defaults, the driver factory
  'testing', // 'nestjs-store/testing': the driver contract
  '(root)', // StoreModule and lib/index.ts
] as const;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function layerOf(path: string): string {
  const parts = relative(LIB, path).split(sep);
  return parts.length > 1 ? parts[0] : '(root)';
}

function importsOf(file: string): string[] {
  const specs = [
    ...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*'(\.{1,2}\/[^']+)'/g),
  ].map((match) => match[1]);
  return specs.map((spec) => normalize(join(dirname(file), spec)));
}

describe('lib/ layers', () => {
  const files = filesUnder(LIB);

  it('puts every folder of lib/ in a layer', () => {
    const unknown = [...new Set(files.map(layerOf))].filter(
      (layer) => !(LAYERS as readonly string[]).includes(layer),
    );
    expect(unknown).toEqual([]);
  });

  it('has no import from a lower layer to a higher one', () => {
    const rank = (layer: string) => (LAYERS as readonly string[]).indexOf(layer);
    const upward = files.flatMap((file) =>
      importsOf(file)
        .filter((target) => rank(layerOf(target)) > rank(layerOf(file)))
        .map(
          (target) =>
            `${relative(LIB, file)} imports ${relative(LIB, target)} (${layerOf(file)} is below ${layerOf(target)})`,
        ),
    );
    expect(upward).toEqual([]);
  });

  it('never imports the public barrel from inside lib/', () => {
    const barrel = join(LIB, 'index.js');
    expect(
      files.filter((file) => importsOf(file).includes(barrel)).map((file) => relative(LIB, file)),
    ).toEqual([]);
  });
});
