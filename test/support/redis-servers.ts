/**
 * Test harness: starts real `redis-server` processes (standalone, Cluster, Sentinel) on free
 * loopback ports, each in its own temporary directory, and stops them again.
 *
 * It never touches a developer's own Redis: every port comes from the OS (`bind 127.0.0.1:0`),
 * and readiness is confirmed by checking that the server answering on the port reports the
 * process id of the child this module spawned.
 *
 * Readiness checks and polling use a tiny RESP client over `node:net` (one short-lived socket
 * per command), so the harness itself never leaves a client connection open.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants as fsConstants,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface HostPort {
  host: string;
  port: number;
}

export interface RedisServerHandle {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  /** Pid of the current process; changes after `restart()`. */
  readonly pid: number;
  /** SIGTERM, wait for exit (SIGKILL after 5 s), remove the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. The temp dir is kept so `restart()` can reuse it. */
  kill(): Promise<void>;
  /** Start again on the same port with the same arguments; resolves when PING answers. */
  restart(): Promise<void>;
}

export interface ClusterHandle {
  nodes: HostPort[];
  /** One handle per node (same order as `nodes`), for tests that kill or restart a node. */
  servers: RedisServerHandle[];
  /** `cluster-node-timeout` of every node, in ms. */
  nodeTimeoutMs: number;
  /** Replicas per master the Cluster was created with. */
  replicasPerMaster: number;
  /**
   * Who is master or replica of what, as `CLUSTER NODES` on a running node reports it (the first
   * one that answers; call `waitUntilHealthy()` first when every node must agree).
   */
  topology(): Promise<ClusterTopology>;
  /** SIGKILL one node and wait for it to exit (its temp dir is kept: `restart()` works). */
  kill(server: RedisServerHandle): Promise<void>;
  /** Whether the node's process is running (not killed or stopped). */
  isRunning(server: RedisServerHandle): boolean;
  /**
   * `CLUSTER FAILOVER [FORCE|TAKEOVER]` sent to `replica`; resolves once `replica` reports itself
   * master (the other nodes may still be learning it: see `waitUntilHealthy`).
   */
  failover(
    replica: RedisServerHandle,
    mode?: 'FORCE' | 'TAKEOVER',
    timeoutMs?: number,
  ): Promise<void>;
  /**
   * Waits until every running node reports `cluster_state:ok`, all 16384 slots assigned, the same
   * slot owners (each a running node), sees no running node as failing, and every running replica
   * is in sync with its master. Throws with the last state seen after `timeoutMs`.
   */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  /**
   * Moves `slot` to the master `target` the way `redis-cli --cluster reshard` does: IMPORTING on the
   * target, MIGRATING on the owner, MIGRATE of its keys `batchSize` at a time (`betweenBatches` runs
   * after each batch, e.g. to let traffic meet ASK redirections), then SETSLOT … NODE on the target,
   * the owner and every other master. Resolves to the number of keys moved once every running node
   * agrees on the new owner.
   */
  migrateSlot(
    slot: number,
    target: RedisServerHandle,
    options?: MigrateSlotOptions,
  ): Promise<number>;
  stop(): Promise<void>;
}

export interface StartClusterOptions {
  /** Replicas per master (`redis-cli --cluster create --cluster-replicas`). Default 0. */
  replicasPerMaster?: number;
  /** `cluster-node-timeout` in ms: how long before a silent node counts as failing. Default 2000. */
  nodeTimeoutMs?: number;
}

export interface MigrateSlotOptions {
  /** Keys per MIGRATE. Default 10. */
  batchSize?: number;
  /** Runs after each MIGRATE batch, while the slot is MIGRATING/IMPORTING. */
  betweenBatches?: (movedSoFar: number) => Promise<void>;
  /** Runs once the slot is IMPORTING/MIGRATING, before the first key moves. */
  beforeKeys?: () => Promise<void>;
  /** Deadline for the whole migration. Default 20 s. */
  timeoutMs?: number;
}

/** One node of a Cluster as `CLUSTER NODES` reports it. */
export interface ClusterNodeInfo {
  /** The 40-character node id. */
  id: string;
  port: number;
  role: 'master' | 'replica';
  /** A replica's master id; `null` for a master. */
  masterId: string | null;
  /** Slot ranges a master serves (inclusive); empty for a replica. */
  slots: Array<[number, number]>;
  /** Flagged `fail` or `fail?` by the reporting node. */
  failing: boolean;
  /** The harness handle of the process on that port (undefined if the harness did not start it). */
  server: RedisServerHandle | undefined;
}

export interface ClusterTopology {
  /** Port of the node whose `CLUSTER NODES` this is. */
  reportedBy: number;
  nodes: ClusterNodeInfo[];
  /** Non-failing masters serving at least one slot. */
  masters: ClusterNodeInfo[];
  /** The master serving `slot`; throws if none does. */
  masterOf(slot: number): ClusterNodeInfo;
  /** The non-failing replicas of `master`. */
  replicasOf(master: ClusterNodeInfo): ClusterNodeInfo[];
}

export interface SentinelHandle {
  /** Master group name, e.g. `mymaster`. */
  name: string;
  sentinels: HostPort[];
  /** The master the group started with (after a failover, see `currentMaster()`). */
  master: RedisServerHandle;
  /** The first replica (`replicas[0]`). */
  replica: RedisServerHandle;
  /** Every replica the group started with (one unless `startSentinelGroup` was asked for more). */
  replicas: RedisServerHandle[];
  /** One handle per sentinel (same order as `sentinels`). */
  sentinelServers: RedisServerHandle[];
  /**
   * The data node the sentinels currently name as master (`SENTINEL get-master-addr-by-name` on
   * the first sentinel that answers).
   */
  currentMaster(): Promise<RedisServerHandle>;
  /**
   * Waits until every sentinel names a master other than `formerMaster` and has ended its failover,
   * that node reports `role:master`, and every other running data node replicates from it with its
   * link up. Resolves to the new master.
   */
  waitForNewMaster(formerMaster: RedisServerHandle, timeoutMs?: number): Promise<RedisServerHandle>;
  stop(): Promise<void>;
}

export interface SentinelGroupOptions {
  /** Replicas of the master. Default 1. */
  replicas?: number;
}

export const HOST = '127.0.0.1';

export const REDIS_SERVER_MISSING_MESSAGE =
  'No redis-server found on PATH. The nestjs-store test suites run against real Redis processes ' +
  'that the harness starts itself. Install it with `sudo apt-get install -y redis-server` ' +
  '(Debian/Ubuntu) or `brew install redis` (macOS), or set REDIS_URL to an existing server for the ' +
  'standalone suites (the Cluster and Sentinel suites still need redis-server).';

const POLL_MS = 50;
const READY_TIMEOUT_MS = 10_000;
const CLUSTER_TIMEOUT_MS = 20_000;
const SENTINEL_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const PORT_ATTEMPTS = 5;

// ---------------------------------------------------------------------------------------------
// PATH lookup
// ---------------------------------------------------------------------------------------------

function onPath(binary: string): boolean {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, binary), fsConstants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

/** Throws an Error that says how to install Redis when `redis-server` is not on PATH. */
export function ensureRedisServerAvailable(): void {
  if (!onPath('redis-server')) throw new Error(REDIS_SERVER_MISSING_MESSAGE);
}

export function isRedisServerAvailable(): boolean {
  return onPath('redis-server');
}

// ---------------------------------------------------------------------------------------------
// Ports
// ---------------------------------------------------------------------------------------------

/** Ports handed out by this process, so concurrent starts never pick the same one twice. */
const handedOut = new Set<number>();

function freePortOnce(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() =>
        port > 0 ? resolve(port) : reject(new Error('could not obtain a free port')),
      );
    });
  });
}

/** A currently free TCP port on 127.0.0.1 (bound to port 0, then released). */
export async function findFreePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freePortOnce();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('could not obtain a free port that was not already handed out');
}

// ---------------------------------------------------------------------------------------------
// Minimal RESP client (one socket per command)
// ---------------------------------------------------------------------------------------------

export type RespValue = string | number | null | RespValue[];

class RespError extends Error {}

interface Parsed {
  value: RespValue | RespError;
  next: number;
}

function parseResp(buf: Buffer, offset: number): Parsed | undefined {
  if (offset >= buf.length) return undefined;
  const lineEnd = buf.indexOf('\r\n', offset);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[offset]!);
  const line = buf.toString('utf8', offset + 1, lineEnd);
  const afterLine = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, next: afterLine };
    case '-':
      return { value: new RespError(line), next: afterLine };
    case ':':
      return { value: Number(line), next: afterLine };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, next: afterLine };
      if (buf.length < afterLine + len + 2) return undefined;
      return { value: buf.toString('utf8', afterLine, afterLine + len), next: afterLine + len + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next: afterLine };
      const items: RespValue[] = [];
      let pos = afterLine;
      for (let i = 0; i < count; i++) {
        const item = parseResp(buf, pos);
        if (!item) return undefined;
        if (item.value instanceof RespError) return item;
        items.push(item.value);
        pos = item.next;
      }
      return { value: items, next: pos };
    }
    default:
      return {
        value: new RespError(`unexpected RESP type byte ${JSON.stringify(type)}`),
        next: buf.length,
      };
  }
}

function encodeCommand(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

/** Send one command, read one reply, close the socket. Rejects on error replies and timeouts. */
export function redisCommand(
  port: number,
  args: readonly string[],
  timeoutMs = 1_000,
  host = HOST,
): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let settled = false;
    const socket = createConnection({ host, port });
    const finish = (err: Error | null, value?: RespValue): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (err) reject(err);
      else resolve(value ?? null);
    };
    socket.setTimeout(timeoutMs, () =>
      finish(new Error(`timeout after ${timeoutMs} ms waiting for ${args[0]} on ${host}:${port}`)),
    );
    socket.once('error', (err) => finish(err));
    socket.once('close', () =>
      finish(new Error(`connection to ${host}:${port} closed before a reply`)),
    );
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const parsed = parseResp(buf, 0);
      if (!parsed) return;
      if (parsed.value instanceof RespError) finish(parsed.value);
      else finish(null, parsed.value);
    });
    socket.once('connect', () => socket.write(encodeCommand(args)));
  });
}

/** `INFO`-style `key:value` lines to a map. */
function parseInfo(text: RespValue): Map<string, string> {
  const map = new Map<string, string>();
  if (typeof text !== 'string') return map;
  for (const line of text.split('\r\n')) {
    const idx = line.indexOf(':');
    if (idx > 0) map.set(line.slice(0, idx), line.slice(idx + 1));
  }
  return map;
}

/** Flat `[k1, v1, k2, v2, …]` array reply to a map. */
function pairsToMap(reply: RespValue): Map<string, string> {
  const map = new Map<string, string>();
  if (!Array.isArray(reply)) return map;
  for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), String(reply[i + 1]));
  return map;
}

// Its own sleep: Jest's globalSetup loads this file alone, without resolving relative imports.
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `check` every 50 ms until it returns true; on timeout throw with the last reason. */
async function pollUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<true | string>,
  detail?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'not checked yet';
  for (;;) {
    try {
      const result = await check();
      if (result === true) return;
      last = result;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      const extra = detail ? `\n${detail()}` : '';
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last state: ${last}${extra}`,
      );
    }
    await sleep(POLL_MS);
  }
}

// ---------------------------------------------------------------------------------------------
// Process tracking
// ---------------------------------------------------------------------------------------------

interface Instance {
  handle: RedisServerHandle;
  dir: string;
  child: ChildProcess | null;
}

/** Every instance this process started and has not yet stopped. */
const instances = new Set<Instance>();
/** Temp dir of each handle, for log tails in error messages. */
const dirOf = new WeakMap<RedisServerHandle, string>();
/** The instance behind each handle, to tell whether its process is running. */
const instanceOf = new WeakMap<RedisServerHandle, Instance>();

/** Whether the process behind `server` (started by this module) is running. */
export function isRunning(server: RedisServerHandle): boolean {
  return isAlive(instanceOf.get(server)?.child ?? null);
}

/** Running: spawned (a failed spawn has no pid and never emits 'exit') and not yet exited. */
function isAlive(child: ChildProcess | null): boolean {
  return (
    child !== null &&
    child.pid !== undefined &&
    child.exitCode === null &&
    child.signalCode === null
  );
}

/*
 * Watchdog: one small detached `node` process per harness-using process. It learns the pid and
 * temp dir of every server over a pipe and, when that pipe closes — this process exited for
 * whatever reason, including SIGKILL — it SIGKILLs the servers still registered and removes
 * their temp dirs. It is needed because inside Jest test files `process` is a sandboxed copy:
 * `process.on('exit')` there never fires, and a worker's children would otherwise outlive it.
 */
const WATCHDOG_SOURCE = `
const { rmSync } = require('node:fs');
const pids = new Set(), dirs = new Set();
let buf = '';
const cleanup = () => {
  for (const pid of pids) { try { process.kill(Number(pid), 'SIGKILL'); } catch {} }
  for (const dir of dirs) { try { rmSync(dir, { recursive: true, force: true }); } catch {} }
  process.exit(0);
};
process.on('SIGINT', () => {});
process.on('SIGTERM', cleanup);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buf += chunk;
  for (let i = buf.indexOf('\\n'); i >= 0; i = buf.indexOf('\\n')) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    const op = line[0], kind = line[1], value = line.slice(3);
    const set = kind === 'p' ? pids : dirs;
    if (op === '+') set.add(value); else set.delete(value);
  }
});
process.stdin.on('end', cleanup);
process.stdin.on('error', cleanup);
`;

let watchdog: ChildProcess | null = null;

function tellWatchdog(message: string): void {
  if (watchdog === null) {
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    watchdog = spawn(process.execPath, ['-e', WATCHDOG_SOURCE], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env,
    });
    watchdog.on('error', () => undefined);
    watchdog.stdin?.on('error', () => undefined);
    // Neither the watchdog nor its pipe may keep this process alive.
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }
  watchdog.stdin?.write(`${message}\n`);
}

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if a run crashes: nothing may outlive this process.
  process.on('exit', () => {
    for (const inst of instances) {
      const pid = inst.child?.pid;
      if (isAlive(inst.child) && pid !== undefined) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      try {
        rmSync(inst.dir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  });
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (!isAlive(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function logTail(dir: string, lines = 30): string {
  try {
    const text = readFileSync(join(dir, 'redis.log'), 'utf8').trimEnd();
    const tail = text.split('\n').slice(-lines).join('\n');
    return tail ? `--- last lines of ${join(dir, 'redis.log')} ---\n${tail}` : '(log is empty)';
  } catch {
    return '(no log written)';
  }
}

/** Stop every instance this process started that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...instances].map((inst) => inst.handle.stop()));
}

// ---------------------------------------------------------------------------------------------
// Generic launcher
// ---------------------------------------------------------------------------------------------

interface LaunchSpec {
  /** Used in the temp dir name and in error messages. */
  label: string;
  /** Arguments for a given port (may write config files into `dir`). Called again on a port retry. */
  argsFor(port: number, dir: string): Promise<string[]> | string[];
}

class AddressInUse extends Error {}

function spawnServer(dir: string, args: string[]): ChildProcess {
  const logFd = openSync(join(dir, 'redis.log'), 'a');
  try {
    const child = spawn('redis-server', args, {
      cwd: dir,
      detached: false,
      stdio: ['ignore', logFd, logFd],
    });
    // Without a listener, a spawn failure (ENOENT) would be an uncaught 'error' event.
    child.on('error', () => undefined);
    const pid = child.pid;
    if (pid !== undefined) {
      tellWatchdog(`+p ${pid}`);
      child.once('exit', () => tellWatchdog(`-p ${pid}`));
    }
    return child;
  } finally {
    closeSync(logFd);
  }
}

async function waitUntilReady(
  label: string,
  port: number,
  dir: string,
  child: ChildProcess,
): Promise<void> {
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  let spawnFailure: Error | undefined;
  void spawnError.then((err) => (spawnFailure = err));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (spawnFailure) {
      const code = (spawnFailure as NodeJS.ErrnoException).code;
      throw new Error(
        code === 'ENOENT'
          ? REDIS_SERVER_MISSING_MESSAGE
          : `${label}: could not spawn redis-server: ${spawnFailure.message}`,
      );
    }
    if (child.pid !== undefined && !isAlive(child)) {
      const tail = logTail(dir);
      const msg = `${label} on port ${port} exited during startup (code ${child.exitCode}, signal ${child.signalCode})\n${tail}`;
      throw /Address already in use/i.test(tail) ? new AddressInUse(msg) : new Error(msg);
    }
    try {
      if ((await redisCommand(port, ['PING'], 500)) === 'PONG') {
        // Make sure it is our process answering, not someone else's server on a reused port.
        const info = parseInfo(await redisCommand(port, ['INFO', 'server'], 500));
        if (info.get('process_id') === String(child.pid)) return;
      }
    } catch {
      // not up yet
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `${label} on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms\n${logTail(dir)}`,
      );
    }
    await sleep(POLL_MS);
  }
}

async function terminate(child: ChildProcess | null, signal: NodeJS.Signals): Promise<void> {
  if (child === null || !isAlive(child)) return;
  const exited = waitForExit(child);
  // A test may have frozen the server with SIGSTOP; a stopped process would not act on SIGTERM.
  if (signal !== 'SIGKILL') child.kill('SIGCONT');
  child.kill(signal);
  if (signal === 'SIGKILL') return exited;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>(
    (resolve) => (timer = setTimeout(() => resolve('timeout'), STOP_GRACE_MS)),
  );
  const result = await Promise.race([exited.then(() => 'exited' as const), timedOut]);
  clearTimeout(timer);
  if (result === 'timeout' && isAlive(child)) {
    child.kill('SIGKILL');
    await exited;
  }
}

async function launch(spec: LaunchSpec): Promise<RedisServerHandle> {
  ensureRedisServerAvailable();
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), `nestjs-store-${spec.label}-`));
  tellWatchdog(`+d ${dir}`);
  let port = 0;
  let args: string[] = [];
  let stopped = false;
  // The handle exists before the child so a crash mid-start is still cleaned up by stopAll/exit.
  const inst: Instance = { dir, child: null, handle: undefined as unknown as RedisServerHandle };

  const handle: RedisServerHandle = {
    host: HOST,
    get port() {
      return port;
    },
    get url() {
      return `redis://${HOST}:${port}`;
    },
    get pid() {
      return inst.child?.pid ?? -1;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await terminate(inst.child, 'SIGTERM');
      } finally {
        instances.delete(inst);
        rmSync(dir, { recursive: true, force: true });
        tellWatchdog(`-d ${dir}`);
      }
    },
    async kill() {
      await terminate(inst.child, 'SIGKILL');
    },
    async restart() {
      if (stopped)
        throw new Error(`${spec.label} on port ${port} was stopped; it cannot be restarted`);
      if (isAlive(inst.child))
        throw new Error(
          `${spec.label} on port ${port} is still running; kill() or stop() it first`,
        );
      inst.child = spawnServer(dir, args);
      await waitUntilReady(spec.label, port, dir, inst.child);
    },
  };
  inst.handle = handle;
  instances.add(inst);
  dirOf.set(handle, dir);
  instanceOf.set(handle, inst);

  try {
    for (let attempt = 1; ; attempt++) {
      port = await findFreePort();
      args = await spec.argsFor(port, dir);
      inst.child = spawnServer(dir, args);
      try {
        await waitUntilReady(spec.label, port, dir, inst.child);
        return handle;
      } catch (err) {
        await terminate(inst.child, 'SIGKILL');
        // Another process grabbed the port between findFreePort() and bind(): pick a new one.
        if (err instanceof AddressInUse && attempt < PORT_ATTEMPTS) continue;
        throw err;
      }
    }
  } catch (err) {
    await handle.stop();
    throw err;
  }
}

function baseArgs(port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
  ];
}

// ---------------------------------------------------------------------------------------------
// Standalone
// ---------------------------------------------------------------------------------------------

export interface StandaloneOptions {
  /** Extra `redis-server` arguments, e.g. `['--maxmemory', '10mb']`. */
  extraArgs?: string[];
}

/** Start one standalone `redis-server` on a free loopback port. Resolves when PING answers. */
export function startStandalone(options: StandaloneOptions = {}): Promise<RedisServerHandle> {
  const extra = options.extraArgs ?? [];
  return launch({
    label: 'standalone',
    argsFor: (port, dir) => [...baseArgs(port, dir), ...extra],
  });
}

// ---------------------------------------------------------------------------------------------
// Cluster
// ---------------------------------------------------------------------------------------------

function runRedisCli(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      const code = (err as NodeJS.ErrnoException).code;
      reject(
        new Error(
          code === 'ENOENT'
            ? `redis-cli not found on PATH. ${REDIS_SERVER_MISSING_MESSAGE}`
            : err.message,
        ),
      );
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else
        reject(
          new Error(
            `redis-cli ${args.join(' ')} failed (code ${code}, signal ${signal}):\n${output}`,
          ),
        );
    });
  });
}

/** `CLUSTER SLOTS` reduced to a comparable string: `start-end:masterPort` per range, sorted. */
function slotsSignature(reply: RespValue): { signature: string; covered: number } {
  if (!Array.isArray(reply)) return { signature: '', covered: 0 };
  let covered = 0;
  const ranges: string[] = [];
  for (const entry of reply) {
    if (!Array.isArray(entry)) continue;
    const [start, end, master] = entry;
    const masterPort = Array.isArray(master) ? master[1] : undefined;
    covered += Number(end) - Number(start) + 1;
    ranges.push(`${start}-${end}:${masterPort}`);
  }
  ranges.sort();
  return { signature: ranges.join(','), covered };
}

/** `CLUSTER NODES` text to node records (slot ranges only; migration markers `[…]` skipped). */
function parseClusterNodes(text: RespValue): Omit<ClusterNodeInfo, 'server'>[] {
  if (typeof text !== 'string') throw new Error(`CLUSTER NODES replied ${JSON.stringify(text)}`);
  const nodes: Omit<ClusterNodeInfo, 'server'>[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    if (fields.length < 8) continue;
    const [id, address, flagText, master] = fields as [string, string, string, string];
    const flags = flagText.split(',');
    const port = Number(address.split('@')[0]!.split(':').pop());
    const slots: Array<[number, number]> = [];
    for (const range of fields.slice(8)) {
      if (range.startsWith('[')) continue;
      const [from, to = from] = range.split('-');
      slots.push([Number(from), Number(to)]);
    }
    nodes.push({
      id,
      port,
      role: flags.includes('master') ? 'master' : 'replica',
      masterId: master === '-' ? null : master,
      slots,
      failing: flags.includes('fail') || flags.includes('fail?'),
    });
  }
  return nodes;
}

function topologyOf(reportedBy: number, nodes: ClusterNodeInfo[]): ClusterTopology {
  const masters = nodes.filter((n) => n.role === 'master' && !n.failing && n.slots.length > 0);
  return {
    reportedBy,
    nodes,
    masters,
    masterOf(slot) {
      const owner = masters.find((m) => m.slots.some(([from, to]) => slot >= from && slot <= to));
      if (!owner) throw new Error(`no master serves slot ${slot} (as seen by node ${reportedBy})`);
      return owner;
    },
    replicasOf(master) {
      return nodes.filter((n) => n.masterId === master.id && !n.failing);
    },
  };
}

/**
 * Start a Cluster of `masters` masters, each with `replicasPerMaster` replicas (default none),
 * create it with `redis-cli --cluster create`, and wait until every node reports
 * `cluster_state:ok`, knows every node, agrees on the assignment of all 16384 slots, and every
 * replica is in sync with its master.
 */
export async function startCluster(
  masters = 3,
  options: StartClusterOptions = {},
): Promise<ClusterHandle> {
  if (masters < 3) throw new Error(`a Redis Cluster needs at least 3 masters (got ${masters})`);
  const replicasPerMaster = options.replicasPerMaster ?? 0;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 2_000;
  const total = masters * (1 + replicasPerMaster);
  const servers: RedisServerHandle[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  const serverAt = (port: number): RedisServerHandle | undefined =>
    servers.find((s) => s.port === port);
  const running = (): RedisServerHandle[] => servers.filter((s) => isRunning(s));

  const nodesSeenBy = async (port: number): Promise<ClusterNodeInfo[]> =>
    parseClusterNodes(await redisCommand(port, ['CLUSTER', 'NODES'])).map((n) => ({
      ...n,
      server: serverAt(n.port),
    }));

  const topology = async (): Promise<ClusterTopology> => {
    let lastError: unknown = new Error('no cluster node is running');
    for (const s of running()) {
      try {
        return topologyOf(s.port, await nodesSeenBy(s.port));
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  };

  /** `true` when healthy, else what is not yet (see `ClusterHandle.waitUntilHealthy`). */
  const healthState = async (startup = false): Promise<true | string> => {
    const live = running();
    const livePorts = new Set(live.map((s) => s.port));
    const signatures = new Set<string>();
    const roleViews = new Set<string>();
    for (const s of live) {
      const info = parseInfo(await redisCommand(s.port, ['CLUSTER', 'INFO']));
      if (info.get('cluster_state') !== 'ok')
        return `node ${s.port}: cluster_state:${info.get('cluster_state')}`;
      if (info.get('cluster_slots_assigned') !== '16384')
        return `node ${s.port}: cluster_slots_assigned:${info.get('cluster_slots_assigned')}`;
      if (startup && info.get('cluster_known_nodes') !== String(total))
        return `node ${s.port}: cluster_known_nodes:${info.get('cluster_known_nodes')}`;
      const { signature, covered } = slotsSignature(
        await redisCommand(s.port, ['CLUSTER', 'SLOTS']),
      );
      if (covered !== 16384) return `node ${s.port}: CLUSTER SLOTS covers ${covered} slots`;
      for (const range of signature.split(',')) {
        const owner = Number(range.split(':')[1]);
        if (!livePorts.has(owner)) return `node ${s.port}: slots ${range} owned by a stopped node`;
      }
      signatures.add(signature);
      const nodes = await nodesSeenBy(s.port);
      const flagged = nodes.find((n) => n.failing && livePorts.has(n.port));
      if (flagged) return `node ${s.port} sees running node ${flagged.port} as failing`;
      if (startup) {
        // redis-cli attaches the replicas after the masters have met: wait for every node to know.
        const replicas = nodes.filter((n) => n.role === 'replica').length;
        if (replicas !== masters * replicasPerMaster)
          return `node ${s.port} knows ${replicas} replicas`;
      }
      // Who replicates whom, among running nodes: a role change travels by gossip, after the slots.
      const portOf = new Map(nodes.map((n) => [n.id, n.port]));
      roleViews.add(
        nodes
          .filter((n) => livePorts.has(n.port))
          .map(
            (n) => `${n.port}:${n.role === 'master' ? 'master' : `of-${portOf.get(n.masterId!)}`}`,
          )
          .sort()
          .join(','),
      );
      const myself = nodes.find((n) => n.port === s.port);
      if (myself?.role === 'replica') {
        const repl = parseInfo(await redisCommand(s.port, ['INFO', 'replication']));
        if (repl.get('master_link_status') !== 'up')
          return `replica ${s.port}: master_link_status:${repl.get('master_link_status')}`;
      }
    }
    if (roleViews.size > 1) return `nodes disagree on roles: ${[...roleViews].join(' | ')}`;
    return signatures.size === 1
      ? true
      : `nodes disagree on slot ownership: ${[...signatures].join(' | ')}`;
  };

  const waitUntilHealthy = (timeoutMs = CLUSTER_TIMEOUT_MS): Promise<void> =>
    pollUntil(
      `the cluster on ports ${running()
        .map((s) => s.port)
        .join(', ')} to be healthy`,
      timeoutMs,
      () => healthState(),
    );

  const kill = async (server: RedisServerHandle): Promise<void> => {
    if (!servers.includes(server))
      throw new Error(`port ${server.port} is not a node of this cluster`);
    await server.kill();
  };

  const failover = async (
    replica: RedisServerHandle,
    mode?: 'FORCE' | 'TAKEOVER',
    timeoutMs = CLUSTER_TIMEOUT_MS,
  ): Promise<void> => {
    await redisCommand(replica.port, ['CLUSTER', 'FAILOVER', ...(mode ? [mode] : [])]);
    await pollUntil(
      `node ${replica.port} to be promoted by CLUSTER FAILOVER${mode ? ` ${mode}` : ''}`,
      timeoutMs,
      async () => {
        const myself = (await nodesSeenBy(replica.port)).find((n) => n.port === replica.port);
        return myself?.role === 'master' ? true : `role ${myself?.role}`;
      },
      () => logTail(dirOf.get(replica) ?? ''),
    );
  };

  const migrateSlot = async (
    slot: number,
    target: RedisServerHandle,
    migrate: MigrateSlotOptions = {},
  ): Promise<number> => {
    const batchSize = migrate.batchSize ?? 10;
    const deadline = Date.now() + (migrate.timeoutMs ?? CLUSTER_TIMEOUT_MS);
    const view = await topology();
    const source = view.masterOf(slot);
    const destination = view.nodes.find((n) => n.port === target.port);
    if (!destination || destination.role !== 'master' || destination.failing)
      throw new Error(`node ${target.port} is not a running master of this cluster`);
    if (destination.id === source.id) return 0;
    const setslot = (port: number, ...rest: string[]): Promise<RespValue> =>
      redisCommand(port, ['CLUSTER', 'SETSLOT', String(slot), ...rest]);

    await setslot(destination.port, 'IMPORTING', source.id);
    await setslot(source.port, 'MIGRATING', destination.id);
    await migrate.beforeKeys?.();
    let moved = 0;
    for (;;) {
      if (Date.now() > deadline)
        throw new Error(`slot ${slot}: keys still on node ${source.port} at the deadline`);
      const keys = await redisCommand(source.port, [
        'CLUSTER',
        'GETKEYSINSLOT',
        String(slot),
        String(batchSize),
      ]);
      if (!Array.isArray(keys) || keys.length === 0) break;
      await redisCommand(
        source.port,
        ['MIGRATE', HOST, String(destination.port), '', '0', '5000', 'KEYS', ...keys.map(String)],
        10_000,
      );
      moved += keys.length;
      await migrate.betweenBatches?.(moved);
    }
    // The target first (it bumps its config epoch and owns the slot), then the former owner, then
    // the other masters, as redis-cli does; replicas learn it over the bus.
    await setslot(destination.port, 'NODE', destination.id);
    await setslot(source.port, 'NODE', destination.id);
    for (const m of view.masters) {
      if (m.id === destination.id || m.id === source.id) continue;
      await setslot(m.port, 'NODE', destination.id);
    }
    await pollUntil(
      `every node to agree that slot ${slot} moved to ${destination.port}`,
      Math.max(deadline - Date.now(), 1),
      async () => {
        for (const s of running()) {
          const owner = topologyOf(s.port, await nodesSeenBy(s.port)).masterOf(slot);
          if (owner.id !== destination.id) return `node ${s.port} names ${owner.port}`;
        }
        return true;
      },
    );
    return moved;
  };

  try {
    const started = await Promise.allSettled(
      Array.from({ length: total }, () =>
        launch({
          label: 'cluster',
          argsFor: async (port, dir) => [
            ...baseArgs(port, dir),
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            String(nodeTimeoutMs),
            // An explicit bus port: the default (port + 10000) may be taken or exceed 65535.
            '--cluster-port',
            String(await findFreePort()),
            ...(replicasPerMaster > 0
              ? [
                  // Replicas sync at once (the default waits 5 s for more replicas to arrive).
                  '--repl-diskless-sync-delay',
                  '0',
                  // A replica may take over however long it was cut off from its master.
                  '--cluster-replica-validity-factor',
                  '0',
                ]
              : []),
          ],
        }),
      ),
    );
    for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    await runRedisCli(
      [
        '--cluster',
        'create',
        ...servers.map((s) => `${HOST}:${s.port}`),
        '--cluster-replicas',
        String(replicasPerMaster),
        '--cluster-yes',
      ],
      CLUSTER_TIMEOUT_MS,
    );

    await pollUntil(
      `the cluster on ports ${servers.map((s) => s.port).join(', ')} to be ready`,
      CLUSTER_TIMEOUT_MS,
      () => healthState(true),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    nodes: servers.map((s) => ({ host: HOST, port: s.port })),
    servers,
    nodeTimeoutMs,
    replicasPerMaster,
    topology,
    kill,
    isRunning,
    failover,
    waitUntilHealthy,
    migrateSlot,
    stop,
  };
}

// ---------------------------------------------------------------------------------------------
// Sentinel
// ---------------------------------------------------------------------------------------------

/**
 * Start a master, one replica (`options.replicas` for more) and three sentinels monitoring the
 * master as `mymaster` (quorum 2, down-after 1 s, failover-timeout 5 s). Resolves when every
 * replica is in sync and every sentinel knows the master, the replicas and the two other sentinels.
 */
export async function startSentinelGroup(
  name = 'mymaster',
  options: SentinelGroupOptions = {},
): Promise<SentinelHandle> {
  const replicaCount = options.replicas ?? 1;
  if (!Number.isInteger(replicaCount) || replicaCount < 1)
    throw new Error(`a Sentinel group needs at least one replica (got ${replicaCount})`);
  const started: RedisServerHandle[] = [];
  const sentinelServers: RedisServerHandle[] = [];
  const stopEverything = async (): Promise<void> => {
    // Sentinels first, so they do not start a failover while the data nodes go away.
    await Promise.all(sentinelServers.map((s) => s.stop()));
    await Promise.all(started.map((s) => s.stop()));
  };
  const deadline = Date.now() + SENTINEL_TIMEOUT_MS;
  const remaining = (): number => Math.max(deadline - Date.now(), 1);

  try {
    // Diskless full sync waits 5 s by default for more replicas to arrive; replicas come one by
    // one here. Replicas get the same setting: one of them may be promoted and serve the others.
    const master = await launch({
      label: 'sentinel-master',
      argsFor: (port, dir) => [...baseArgs(port, dir), '--repl-diskless-sync-delay', '0'],
    });
    started.push(master);
    const replicaResults = await Promise.allSettled(
      Array.from({ length: replicaCount }, () =>
        launch({
          label: 'sentinel-replica',
          argsFor: (port, dir) => [
            ...baseArgs(port, dir),
            '--replicaof',
            HOST,
            String(master.port),
            '--repl-diskless-sync-delay',
            '0',
          ],
        }),
      ),
    );
    const replicas: RedisServerHandle[] = [];
    for (const r of replicaResults) if (r.status === 'fulfilled') replicas.push(r.value);
    started.push(...replicas);
    const replicaFailed = replicaResults.find(
      (r): r is PromiseRejectedResult => r.status === 'rejected',
    );
    if (replicaFailed) throw replicaFailed.reason;

    // Sentinels learn about replicas from the master's INFO, so the replicas must be attached first.
    for (const replica of replicas) {
      await pollUntil(
        `replica ${replica.port} to sync with master ${master.port}`,
        remaining(),
        async () => {
          const info = parseInfo(await redisCommand(replica.port, ['INFO', 'replication']));
          return info.get('master_link_status') === 'up'
            ? true
            : `master_link_status:${info.get('master_link_status')}`;
        },
        () => logTail(dirOf.get(replica) ?? ''),
      );
    }

    const results = await Promise.allSettled(
      [0, 1, 2].map(() =>
        launch({
          label: 'sentinel',
          argsFor: (port, dir) => {
            const file = join(dir, 'sentinel.conf');
            writeFileSync(
              file,
              [
                `port ${port}`,
                `bind ${HOST}`,
                `dir ${dir}`,
                `sentinel monitor ${name} ${HOST} ${master.port} 2`,
                `sentinel down-after-milliseconds ${name} 1000`,
                `sentinel failover-timeout ${name} 5000`,
                `sentinel parallel-syncs ${name} 1`,
                '',
              ].join('\n'),
            );
            return [file, '--sentinel'];
          },
        }),
      ),
    );
    for (const r of results) if (r.status === 'fulfilled') sentinelServers.push(r.value);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    await pollUntil(
      `sentinels ${sentinelServers.map((s) => s.port).join(', ')} to agree on ${name}`,
      remaining(),
      async () => {
        for (const s of sentinelServers) {
          const addr = await redisCommand(s.port, ['SENTINEL', 'get-master-addr-by-name', name]);
          if (!Array.isArray(addr) || addr[0] !== HOST || addr[1] !== String(master.port)) {
            return `sentinel ${s.port}: master address ${JSON.stringify(addr)}`;
          }
          const state = pairsToMap(await redisCommand(s.port, ['SENTINEL', 'master', name]));
          if (state.get('num-slaves') !== String(replicaCount))
            return `sentinel ${s.port}: num-slaves=${state.get('num-slaves')}`;
          if (state.get('num-other-sentinels') !== '2')
            return `sentinel ${s.port}: num-other-sentinels=${state.get('num-other-sentinels')}`;
        }
        return true;
      },
    );

    const dataNodes = [master, ...replicas];
    /** The master address each running sentinel reports (in `sentinelServers` order). */
    const namedMasters = async (): Promise<Array<number | string>> => {
      const named: Array<number | string> = [];
      for (const s of sentinelServers) {
        if (!isRunning(s)) continue;
        try {
          const addr = await redisCommand(s.port, ['SENTINEL', 'get-master-addr-by-name', name]);
          named.push(Array.isArray(addr) ? Number(addr[1]) : `sentinel ${s.port}: no master`);
        } catch (err) {
          named.push(`sentinel ${s.port}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      return named;
    };
    const dataNodeAt = (port: number): RedisServerHandle => {
      const node = dataNodes.find((s) => s.port === port);
      if (!node) throw new Error(`the sentinels name port ${port}, which is not in this group`);
      return node;
    };
    const currentMaster = async (): Promise<RedisServerHandle> => {
      const named = (await namedMasters()).find((n): n is number => typeof n === 'number');
      if (named === undefined) throw new Error(`no sentinel of ${name} names a master`);
      return dataNodeAt(named);
    };
    const waitForNewMaster = async (
      formerMaster: RedisServerHandle,
      timeoutMs = SENTINEL_TIMEOUT_MS,
    ): Promise<RedisServerHandle> => {
      let promoted: RedisServerHandle | undefined;
      await pollUntil(
        `the sentinels of ${name} to promote a new master instead of ${formerMaster.port}`,
        timeoutMs,
        async () => {
          const named = await namedMasters();
          const ports = new Set(named);
          if (ports.size !== 1) return `sentinels disagree: ${named.join(', ')}`;
          const [port] = named;
          if (typeof port !== 'number') return String(port);
          if (port === formerMaster.port) return `sentinels still name ${port}`;
          // The failover has ended everywhere: the leader announces +switch-master only then,
          // after it has reconfigured the other replicas.
          for (const s of sentinelServers) {
            if (!isRunning(s)) continue;
            const state = pairsToMap(await redisCommand(s.port, ['SENTINEL', 'master', name]));
            const flags = state.get('flags') ?? '';
            if (state.get('port') !== String(port) || flags.includes('failover'))
              return `sentinel ${s.port}: ${state.get('port')} flags ${flags}`;
          }
          const candidate = dataNodeAt(port);
          const role = parseInfo(await redisCommand(port, ['INFO', 'replication']));
          if (role.get('role') !== 'master') return `node ${port}: role:${role.get('role')}`;
          for (const other of dataNodes) {
            if (other === candidate || !isRunning(other)) continue;
            const info = parseInfo(await redisCommand(other.port, ['INFO', 'replication']));
            if (info.get('master_port') !== String(port))
              return `node ${other.port} replicates from ${info.get('master_port')}`;
            if (info.get('master_link_status') !== 'up')
              return `node ${other.port}: master_link_status:${info.get('master_link_status')}`;
          }
          promoted = candidate;
          return true;
        },
      );
      return promoted!;
    };

    return {
      name,
      sentinels: sentinelServers.map((s) => ({ host: HOST, port: s.port })),
      master,
      replica: replicas[0]!,
      replicas,
      sentinelServers,
      currentMaster,
      waitForNewMaster,
      stop: stopEverything,
    };
  } catch (err) {
    await stopEverything();
    throw err;
  }
}
