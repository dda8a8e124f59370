/** Plain-text output shared by every suite: tables of measurements, ratios, goals. */
import type { Measurement } from './measure.js';

const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

export function heading(title: string): void {
  out();
  out(title);
  out('='.repeat(title.length));
}

export function subheading(title: string): void {
  out();
  out(title);
  out('-'.repeat(title.length));
}

export function line(text = ''): void {
  out(text);
}

/** `133 412` → `133.4 k`. */
export function formatOps(opsPerSec: number): string {
  if (!Number.isFinite(opsPerSec)) return 'n/a';
  if (opsPerSec >= 1e6) return `${(opsPerSec / 1e6).toFixed(2)} M`;
  if (opsPerSec >= 1e3) return `${(opsPerSec / 1e3).toFixed(1)} k`;
  return opsPerSec.toFixed(0);
}

export function formatUs(us: number): string {
  if (!Number.isFinite(us)) return 'n/a';
  if (us >= 1000) return `${(us / 1000).toFixed(2)} ms`;
  return `${us.toFixed(us < 10 ? 2 : 0)} µs`;
}

export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'n/a';
}

/** Renders rows as an aligned text table; `align` is 'l' or 'r' per column (default: first left, rest right). */
export function table(headers: string[], rows: string[][], align?: Array<'l' | 'r'>): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (text: string, i: number): string =>
    (align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'l'
      ? text.padEnd(widths[i]!)
      : text.padStart(widths[i]!);
  out(headers.map(cell).join('  '));
  out(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) out(row.map(cell).join('  '));
}

/** The standard table of a set of measurements. */
export function measurementTable(measurements: Measurement[]): void {
  table(
    ['system', 'ops/s (median)', 'rounds (k ops/s)', 'p50', 'p99'],
    measurements.map((m) => [
      m.name,
      m.error ? 'FAILED' : formatOps(m.opsPerSec),
      m.rounds.map((r) => (r / 1e3).toFixed(1)).join(' / ') || '-',
      formatUs(m.p50Us),
      formatUs(m.p99Us),
    ]),
  );
  for (const m of measurements) if (m.error) out(`  ! ${m.name}: ${m.error}`);
}

/**
 * Prints `subject / anchor : 1.02x` (ratio of the medians) for each anchor, followed by the range
 * of the per-round ratios (round i of one against round i of the other: they ran in the same pass),
 * which shows how much the machine's noise could move the figure.
 */
export function ratios(subject: Measurement, anchors: Measurement[]): void {
  const width = Math.max(...anchors.map((a) => a.name.length));
  for (const anchor of anchors) {
    const ratio = formatRatio(subject.opsPerSec / anchor.opsPerSec);
    const perRound =
      subject.rounds.length === anchor.rounds.length && subject.rounds.length > 1
        ? subject.rounds.map((r, i) => r / anchor.rounds[i]!)
        : [];
    const range =
      perRound.length > 0
        ? `  (per round ${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)})`
        : '';
    out(`${subject.name} / ${anchor.name.padEnd(width)} : ${ratio.padStart(6)}${range}`);
  }
}

export interface Goal {
  /** Human description, e.g. `get ≥ 0.95x raw ioredis (auto-pipelined)`. */
  label: string;
  subject: Measurement;
  anchor: Measurement;
  /** Minimum ratio subject/anchor. */
  min: number;
}

export interface GoalResult {
  label: string;
  ratio: number;
  met: boolean;
}

/** Prints each goal with its measured ratio and PASS/MISS; returns the results. */
export function goals(list: Goal[]): GoalResult[] {
  const width = Math.max(...list.map((g) => g.label.length));
  return list.map((g) => {
    const ratio = g.subject.opsPerSec / g.anchor.opsPerSec;
    const met = Number.isFinite(ratio) && ratio >= g.min;
    out(
      `goal  ${g.label.padEnd(width)}  measured ${formatRatio(ratio).padStart(6)}  ${met ? 'PASS' : 'MISS'}`,
    );
    return { label: g.label, ratio, met };
  });
}

/** `label : value` lines with aligned labels. */
export function keyValues(rows: Array<[string, string]>): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) out(`${k.padEnd(width)} : ${v}`);
}
