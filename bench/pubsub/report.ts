/** The pub/sub suite's tables, in the style of `bench/lib/report.ts` (whose helpers they use). */
import type { Measurement } from '../lib/measure.js';
import { formatOps, formatUs, line, table } from '../lib/report.js';
import type { LatencyResult, StreamCase } from './stream-runner.js';

/** Messages/s per system, with the deliveries/s they make to `observers` observers. */
export function streamTable(results: Measurement[], observers: number): void {
  table(
    [
      'system',
      'msg/s (median)',
      'rounds (k msg/s)',
      `deliveries/s (×${observers.toLocaleString('en-US')})`,
    ],
    results.map((m) => [
      m.name,
      m.error ? 'FAILED' : formatOps(m.opsPerSec),
      m.rounds.map((r) => (r / 1e3).toFixed(1)).join(' / ') || '-',
      formatOps(m.opsPerSec * observers),
    ]),
  );
  for (const m of results) if (m.error) line(`  ! ${m.name}: ${m.error}`);
}

/** What was checked about each stream once it was measured. */
export function verifiedLines(
  streams: StreamCase[],
  results: Array<{ name: string; error?: string }>,
): void {
  streams.forEach((s, i) => {
    const observers = s.receiver.observers;
    const verdict = results[i]?.error
      ? `FAILED: ${results[i]!.error}`
      : `all ${s.published.toLocaleString('en-US')} messages reached ${observers === 1 ? 'the observer' : `each of the ${observers.toLocaleString('en-US')} observers`}, in order`;
    line(
      `  ${s.receiver.name}: ${verdict}; first message via its own publish, which reported ${s.firstPublishReceivers} receiver(s)`,
    );
  });
}

export function latencyTable(results: LatencyResult[]): void {
  table(
    ['system', 'msg/s sent', 'p50 (median)', 'p99 (median)', 'p50 per round', 'p99 per round'],
    results.map((r) => [
      r.name,
      r.rounds.map((x) => x.rate.toFixed(0)).join(' / ') || '-',
      r.error ? 'FAILED' : formatUs(r.p50Us),
      r.error ? 'FAILED' : formatUs(r.p99Us),
      r.rounds.map((x) => formatUs(x.p50Us)).join(' / ') || '-',
      r.rounds.map((x) => formatUs(x.p99Us)).join(' / ') || '-',
    ]),
  );
  for (const r of results) if (r.error) line(`  ! ${r.name}: ${r.error}`);
}

export interface CheckGoal {
  label: string;
  measured: string;
  met: boolean;
}

/** Goals that are a fact rather than a ratio, printed like `goals` does (PASS / FAIL). */
export function checkGoals(list: CheckGoal[]): boolean {
  const width = Math.max(...list.map((g) => g.label.length));
  const measuredWidth = Math.max(...list.map((g) => g.measured.length));
  for (const g of list)
    line(
      `goal  ${g.label.padEnd(width)}  measured ${g.measured.padStart(measuredWidth)}  ${g.met ? 'PASS' : 'FAIL'}`,
    );
  return list.every((g) => g.met);
}
