// Helpers for the packed-package tests (not a test file itself: `node --test test/pack/` runs only
// *.test.mjs): pack the repo, read the tarball, run child processes in scratch folders with a
// deadline, start a server and wait for the port it prints.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
export const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const execFileAsync = promisify(execFile);

/** A new folder under the OS temp dir. */
export function makeScratch(prefix) {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Removes a scratch folder, unless KEEP_PACK_SCRATCH is set (to look at it after a failure). */
export async function removeScratch(dir) {
  if (!dir) return;
  if (process.env.KEEP_PACK_SCRATCH) {
    console.log(`# KEEP_PACK_SCRATCH: left ${dir}`);
    return;
  }
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** `npm pack` of the repo (built beforehand by `npm run test:pack`) into `dir`; resolves to the tarball's path. */
export async function packTarball(dir) {
  const { stdout } = await execFileAsync(npm, ['pack', '--json', '--pack-destination', dir], {
    cwd: repo,
    timeout: 60_000,
  });
  return join(dir, JSON.parse(stdout)[0].filename);
}

/** The tarball's file paths, without the leading `package/`. */
export async function tarballEntries(tarball) {
  const { stdout } = await execFileAsync('tar', ['-tzf', tarball], { timeout: 30_000 });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((entry) => entry.replace(/^package\//, ''));
}

/** Every file path (leaf string) named in a package.json `exports` value. */
export function exportTargets(exportsField) {
  if (typeof exportsField === 'string') return [exportsField];
  if (exportsField === null || typeof exportsField !== 'object') return [];
  return Object.values(exportsField).flatMap(exportTargets);
}

// npm config that describes a user's machine, kept for child npm processes; everything else npm
// put in the environment of `npm run` (npm_config_local_prefix=<this repo>, this repo's
// legacy-peer-deps=true, npm_package_*, npm_lifecycle_*) would make a scratch app's npm act on
// this repo or install with settings a user's app does not have.
const KEPT_NPM_CONFIG = new Set([
  'cache',
  'registry',
  'userconfig',
  'globalconfig',
  'cafile',
  'proxy',
  'https_proxy',
  'noproxy',
  'strict_ssl',
]);

/** This process's environment, cleaned for a child in a scratch app, with `overrides` (undefined deletes). */
export function scratchEnv(overrides = {}) {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    const lower = name.toLowerCase();
    if (lower.startsWith('npm_config_') && KEPT_NPM_CONFIG.has(lower.slice('npm_config_'.length)))
      continue;
    if (lower.startsWith('npm_') || name === 'INIT_CWD') delete env[name];
  }
  delete env.NODE_OPTIONS; // e.g. the repo's --experimental-vm-modules; each child says what it needs
  delete env.NODE_TEST_CONTEXT; // set by node --test for its own child processes
  env.NO_COLOR = '1';
  env.FORCE_COLOR = '0';
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** The last `max` characters of a process's output, for a failure message. */
function tail(text, max = 6000) {
  return text.length > max ? `…${text.slice(-max)}` : text;
}

/**
 * Runs a command to completion in its own process group; kills the whole group (npx → jest →
 * workers, npm → scripts) when `timeoutMs` runs out. Resolves to its output; rejects, with the
 * output's tail, on a non-zero exit or the timeout.
 */
export function runCommand(
  command,
  args,
  { cwd, env = scratchEnv(), timeoutMs, label = `${command} ${args.join(' ')}` },
) {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const child = track(
      spawn(command, args, {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
      }),
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${label}: could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (timedOut)
        reject(
          new Error(`${label}: still running after ${timeoutMs / 1000} s, killed\n${tail(output)}`),
        );
      else if (code !== 0)
        reject(
          new Error(`${label}: exited with ${code ?? signal} after ${seconds} s\n${tail(output)}`),
        );
      else resolvePromise({ output, seconds });
    });
  });
}

/** Children started here and not yet exited: killed if this process exits first (a test timed out mid-way). */
const live = new Set();
process.on('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

/** Remembers `child` until it exits. */
function track(child) {
  live.add(child);
  child.on('close', () => live.delete(child));
  return child;
}

/** Signals a child's whole process group (it was spawned detached), or just the child where there are no groups. */
function killGroup(child, signal) {
  try {
    if (process.platform === 'win32') child.kill(signal);
    else process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Starts a server (`node <file>`), and resolves once it prints a line matching `ready` (which
 * should capture what the test needs, such as the port) — or rejects if it exits first or
 * `timeoutMs` runs out. `stop()` sends SIGTERM, waits up to `stopTimeoutMs` for the exit, then
 * SIGKILLs the group; it resolves to the exit code (or signal) and all the output.
 */
export function startServer(file, { cwd, env, ready, timeoutMs, stopTimeoutMs = 10_000 }) {
  const child = track(
    spawn(process.execPath, [file], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    }),
  );
  let output = '';
  const exited = new Promise((resolveExit) =>
    child.on('close', (code, signal) => resolveExit(code ?? signal)),
  );

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) killGroup(child, 'SIGTERM');
    const exit = await withDeadline(exited, stopTimeoutMs);
    if (exit !== TIMED_OUT) return { exit, output };
    killGroup(child, 'SIGKILL');
    await withDeadline(exited, 5_000);
    return { exit: `killed: no exit within ${stopTimeoutMs / 1000} s of SIGTERM`, output };
  };

  const started = new Promise((resolveStarted, reject) => {
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(
        new Error(
          `${file}: printed no line matching ${ready} within ${timeoutMs / 1000} s\n${tail(output)}`,
        ),
      );
    }, timeoutMs);
    const onData = (chunk) => {
      output += chunk;
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveStarted({ match, stop, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${file}: could not start: ${error.message}`));
    });
    exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`${file}: exited with ${exit} before it was ready\n${tail(output)}`));
    });
  });
  started.catch(() => {}); // the caller awaits it; this only keeps an early exit from being "unhandled"
  return started;
}

const TIMED_OUT = Symbol('timed out');

/** `promise`'s value, or TIMED_OUT once `ms` have passed first. */
async function withDeadline(promise, ms) {
  let timer;
  const deadline = new Promise(
    (resolveDeadline) => (timer = setTimeout(() => resolveDeadline(TIMED_OUT), ms)),
  );
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Fails with a readable message unless every file in `files` is in `entries`. */
export function assertShipped(entries, files, what) {
  const shipped = new Set(entries);
  const missing = [...new Set(files.map((file) => file.replace(/^\.\//, '')))].filter(
    (file) => !shipped.has(file),
  );
  assert.deepEqual(
    missing,
    [],
    `${what} names files that are not in the tarball (of ${entries.length} files): ${missing.join(', ')}`,
  );
}
