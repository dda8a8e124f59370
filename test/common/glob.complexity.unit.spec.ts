/**
 * The glob matcher's work is bounded by subject × pattern: no backtracking blow-up on patterns
 * like `*a*a*a*a*z`, which kept a RegExp-based matcher busy for minutes. Counted in steps, never
 * timed; a hang would fail on Jest's timeout.
 */
import { Logger } from '@nestjs/common';
import { L1Tier } from '../../lib/engine/cache/l1-tier.js';
import { parseGlob } from '../../lib/common/glob-program.js';
import { runGlob, type GlobMeter } from '../../lib/common/glob-run.js';
import { MemoryDriver } from '../../lib/drivers/memory/memory.driver.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Runs `pattern` over `subject` and returns whether it matched and how many steps it took. */
function metered(
  pattern: string,
  subject: string,
): { matched: boolean; steps: number; bound: number } {
  const program = parseGlob(utf8(pattern));
  const bytes = utf8(subject);
  const meter: GlobMeter = { steps: 0 };
  const matched = runGlob(program, bytes, bytes.length, meter);
  return { matched, steps: meter.steps, bound: (bytes.length + 1) * (program.length + 1) };
}

const starsThenZ = (stars: number): string => `${'*a'.repeat(stars)}*z`;

describe('glob matching cost', () => {
  it.each([100, 1_000, 10_000])(
    'answers *a*a*a*a*z over %i bytes within subject × pattern steps',
    (length) => {
      const { matched, steps, bound } = metered('*a*a*a*a*z', 'a'.repeat(length));
      expect(matched).toBe(false);
      expect(steps).toBeLessThanOrEqual(bound);
    },
  );

  it.each([30, 200])(
    'answers %i stars against 10,000 bytes within subject × pattern steps',
    (stars) => {
      const miss = metered(starsThenZ(stars), 'a'.repeat(10_000));
      expect(miss.matched).toBe(false);
      expect(miss.steps).toBeLessThanOrEqual(miss.bound);
      const hit = metered(starsThenZ(stars), `${'a'.repeat(10_000)}z`);
      expect(hit.matched).toBe(true);
      expect(hit.steps).toBeLessThanOrEqual(hit.bound);
    },
  );

  it('stays within the bound on ?, classes and multi-byte subjects', () => {
    const patterns = ['*?*?*?*?*?!', '*[ab]*[^c]*[a-z]*é*漢!', `${'*é'.repeat(40)}*x`];
    for (const pattern of patterns) {
      const { steps, bound } = metered(pattern, 'é漢ab'.repeat(2_000));
      expect(steps).toBeLessThanOrEqual(bound);
    }
  });

  it('deletes by a pathological pattern from the memory driver and L1 without stalling', async () => {
    const keys = Array.from({ length: 5 }, (_, i) => `${i}${'a'.repeat(99)}`);
    const driver = new MemoryDriver(1_000, new Logger('glob-complexity'));
    for (const key of keys) await driver.set(key, 'v');
    expect(await driver.deleteByPattern('*a*a*a*a*z', '\u0000internal:')).toBe(0);
    expect(await driver.deleteByPattern('*a*a*a*a*a', '\u0000internal:')).toBe(5);

    const l1 = new L1Tier(1_000, 60_000);
    for (const key of keys) l1.set(key, { value: 1, tagKeys: [] }, l1.generation);
    l1.deletePattern(`${'*a'.repeat(30)}*z`);
    expect(keys.filter((key) => l1.get(key) !== undefined)).toHaveLength(5);
    l1.deletePattern('*a*a*a*a*a');
    expect(keys.filter((key) => l1.get(key) !== undefined)).toHaveLength(0);
  });
});
