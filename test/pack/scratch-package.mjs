// Installs the package as a user gets it, offline: `npm pack` of the repo, the tarball unpacked into
// <scratch>/node_modules/nestjs-store, and each of its dependencies and peers (plus any extra
// package asked for) symlinked from the repo's node_modules, which is what npm would have installed
// next to it. Node and TypeScript follow a symlink to its real path, so the linked packages' own
// dependencies resolve from the repo. Not a test file: imported by the tests in this folder.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const run = promisify(execFile);
export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * Packs the repo (it must be built) and installs the tarball in a new scratch folder.
 * `extra`: more package names to link from the repo's node_modules (dev tools, types, platforms).
 * Resolves to `{ scratch, tarball, installed, linked, dispose }`; `dispose()` removes the folder
 * unless KEEP_PACK_SCRATCH is set.
 */
export async function installPackedPackage({ prefix = 'nestjs-store-pack-', extra = [] } = {}) {
  const scratch = await mkdtemp(join(tmpdir(), prefix));
  const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', scratch], {
    cwd: repo,
  });
  const tarball = join(scratch, JSON.parse(stdout)[0].filename);

  const installed = join(scratch, 'node_modules', 'nestjs-store');
  await mkdir(installed, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);

  const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8'));
  const needed = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...extra,
  ]);
  const linked = [];
  for (const name of needed) {
    const target = join(repo, 'node_modules', name);
    if (!(await exists(target)))
      throw new Error(`${name} is not installed in the repo's node_modules (run npm ci)`);
    const link = join(scratch, 'node_modules', name);
    await mkdir(dirname(link), { recursive: true });
    await symlink(target, link, 'dir');
    linked.push(name);
  }

  const dispose = async () => {
    if (!process.env.KEEP_PACK_SCRATCH) await rm(scratch, { recursive: true, force: true });
  };
  return { scratch, tarball, installed, manifest, linked, dispose };
}

async function exists(path) {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
