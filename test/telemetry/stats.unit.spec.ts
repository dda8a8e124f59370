/** The pieces of `stats()` and the Prometheus option that need no store: the histogram, the missing-prom-client error. */
import { missingPromClientError } from '../../lib/config/metrics.factory.js';
import { LatencyHistogram } from '../../lib/engine/stats/latency-histogram.js';
import { StoreConfigurationError } from '../../lib/index.js';

describe('LatencyHistogram', () => {
  it('answers zeros before the first sample', () => {
    const histogram = new LatencyHistogram();
    expect([histogram.count, histogram.max, histogram.percentile(50)]).toEqual([0, 0, 0]);
  });

  it('gives percentiles within 2% of the exact ones, from microseconds to minutes', () => {
    const histogram = new LatencyHistogram();
    const samples = Array.from({ length: 10_000 }, (_, i) => 0.005 * 1.0015 ** i); // 5 µs .. ~16 s
    for (const sample of samples) histogram.record(sample);
    for (const percent of [50, 90, 99]) {
      const exact = samples[Math.ceil((percent / 100) * samples.length) - 1];
      const answer = histogram.percentile(percent);
      expect(answer).toBeGreaterThanOrEqual(exact * 0.98);
      expect(answer).toBeLessThanOrEqual(exact * 1.02);
    }
    expect(histogram.max).toBe(samples.at(-1));
    expect(histogram.count).toBe(samples.length);
  });

  it('ignores negative and non-finite durations, and bounds huge ones', () => {
    const histogram = new LatencyHistogram();
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) histogram.record(bad);
    expect(histogram.count).toBe(0);
    histogram.record(10 * 3_600_000);
    expect(histogram.percentile(50)).toBeLessThanOrEqual(3_600_000 * 1.02);
  });
});

describe('metrics.prometheus without prom-client', () => {
  // An app without prom-client cannot be simulated here (it is a devDependency): the message is
  // checked through its builder, which the loader throws on ERR_MODULE_NOT_FOUND.
  it('is a StoreConfigurationError that says what to install or remove', () => {
    const cause = Object.assign(new Error("Cannot find package 'prom-client'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const error = missingPromClientError('StoreModule(sessions)', cause);
    expect(error).toBeInstanceOf(StoreConfigurationError);
    expect(error.code).toBe('STORE_CONFIGURATION');
    expect(error.message).toBe(
      'StoreModule(sessions) options: metrics.prometheus needs the prom-client package, which is ' +
        'not installed: npm install prom-client (15 or later), or remove metrics.prometheus',
    );
    expect(error.cause).toBe(cause);
  });
});
