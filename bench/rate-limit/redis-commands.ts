/**
 * Counts the commands Redis processes while a limiter serves a number of checks, from the delta of
 * `INFO commandstats` (commands run inside a Lua script are counted too; the INFO calls themselves
 * are left out), so a check answered in process shows 0.
 */
import type { Redis } from 'ioredis';
import type { Limiter } from './limiters.js';

export interface CommandCount {
  /** All commands except INFO. */
  total: number;
  /** Per command, largest first, e.g. `evalsha 1000`. */
  breakdown: Array<[string, number]>;
  /** Server time spent in EVAL / EVALSHA (whole scripts), in µs. */
  scriptUsec: number;
}

interface Stats {
  calls: Map<string, number>;
  scriptUsec: number;
}

async function commandStats(client: Redis): Promise<Stats> {
  const info = await client.info('commandstats');
  const calls = new Map<string, number>();
  let scriptUsec = 0;
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    calls.set(match[1]!, Number(match[2]));
    if (match[1] === 'eval' || match[1] === 'evalsha') scriptUsec += Number(match[3]);
  }
  return { calls, scriptUsec };
}

/** Runs `checks` sequential checks of `key`, each expected to return `expected`, and counts Redis commands. */
export async function commandsPerChecks(
  client: Redis,
  limiter: Limiter,
  key: string,
  checks: number,
  expected: boolean,
): Promise<CommandCount> {
  const before = await commandStats(client);
  for (let i = 0; i < checks; i++) {
    const allowed = await limiter.check(key);
    if (allowed !== expected) {
      throw new Error(
        `${limiter.name}: check ${i + 1} of ${checks} on "${key}" ${allowed ? 'admitted' : 'refused'}, expected ${expected ? 'admitted' : 'refused'}`,
      );
    }
  }
  const after = await commandStats(client);
  const breakdown: Array<[string, number]> = [];
  for (const [command, calls] of after.calls) {
    if (command === 'info') continue;
    const delta = calls - (before.calls.get(command) ?? 0);
    if (delta > 0) breakdown.push([command, delta]);
  }
  breakdown.sort((a, b) => b[1] - a[1]);
  return {
    total: breakdown.reduce((sum, [, n]) => sum + n, 0),
    breakdown,
    scriptUsec: after.scriptUsec - before.scriptUsec,
  };
}

/** `1000 (evalsha 1000)`, `4000 (evalsha 1000, incr 1000, ...)`, `0`. */
export function formatCommandCount(count: CommandCount): string {
  if (count.total === 0) return '0';
  return `${count.total} (${count.breakdown.map(([c, n]) => `${c} ${n}`).join(', ')})`;
}
