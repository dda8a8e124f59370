import { jest } from '@jest/globals';
import { BlockedKeys } from '../../lib/rate-limit/algorithms/blocked-keys.js';

describe('BlockedKeys (refusals remembered in process)', () => {
  it('answers until the refusal ends, per policy, and forgets on reset', () => {
    const blocked = new BlockedKeys(10);
    blocked.remember('sw:login', 'ip-1', 1_000, 5_000, 0);
    expect(blocked.lookup('sw:login', 'ip-1', 400)).toEqual({ leftMs: 600, resetAt: 5_000 });
    expect(blocked.lookup('sw:api', 'ip-1', 400)).toBeUndefined();
    expect(blocked.lookup('sw:login', 'ip-1', 1_000)).toBeUndefined();
    blocked.remember('sw:login', 'ip-2', 1_000, 5_000, 0);
    blocked.forget('sw:login', 'ip-2');
    expect(blocked.lookup('sw:login', 'ip-2', 1)).toBeUndefined();
  });

  it('keeps at most maxEntries per policy (oldest dropped) and at most 1,000 policies', () => {
    const blocked = new BlockedKeys(3);
    for (const key of ['a', 'b', 'c', 'd']) blocked.remember('p', key, 1_000, 0, 0);
    expect(['a', 'b', 'c', 'd'].map((key) => blocked.lookup('p', key, 1) !== undefined)).toEqual([false, true, true, true]);

    for (let i = 0; i <= 1_000; i++) blocked.remember(`policy-${i}`, 'k', 1_000, 0, 0);
    expect(blocked.lookup('policy-0', 'k', 1)).toBeUndefined();
    expect(blocked.lookup('policy-1', 'k', 1)).toBeDefined();
    expect(blocked.lookup('policy-1000', 'k', 1)).toBeDefined();
  });

  it('keeps time on the monotonic clock: a wall-clock step back or forward changes no remembered refusal', () => {
    const blocked = new BlockedKeys(10);
    blocked.remember('p', 'k', 1_000, 0);
    const wallClock = Date.now();
    const back = jest.spyOn(Date, 'now').mockReturnValue(wallClock - 60_000);
    const afterStepBack = blocked.lookup('p', 'k');
    back.mockReturnValue(wallClock + 60_000);
    const afterStepForward = blocked.lookup('p', 'k');
    back.mockRestore();
    expect(afterStepBack?.leftMs).toBeLessThanOrEqual(1_000);
    expect(afterStepForward?.leftMs).toBeGreaterThan(0);
  });
});
