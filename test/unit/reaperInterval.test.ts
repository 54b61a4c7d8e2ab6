/** The worker's reaper interval (worker/reaper.ts): `MLEBENCH_REAPER_INTERVAL_SECS`, else a few minutes. */
import { describe, expect, it } from 'vitest';
import { REAPER_INTERVAL_SECS, reaperIntervalSecs } from '../../worker/reaper';

describe('reaperIntervalSecs', () => {
  it('reads MLEBENCH_REAPER_INTERVAL_SECS, defaults to a few minutes, refuses what is not a whole number ≥ 1', () => {
    expect(reaperIntervalSecs({})).toBe(REAPER_INTERVAL_SECS);
    expect(REAPER_INTERVAL_SECS).toBe(180);
    expect(reaperIntervalSecs({ MLEBENCH_REAPER_INTERVAL_SECS: '' })).toBe(180);
    expect(reaperIntervalSecs({ MLEBENCH_REAPER_INTERVAL_SECS: '5' })).toBe(5);
    for (const bad of ['0', '1.5', 'soon', '-3'])
      expect(() => reaperIntervalSecs({ MLEBENCH_REAPER_INTERVAL_SECS: bad })).toThrow(
        `MLEBENCH_REAPER_INTERVAL_SECS must be a whole number`,
      );
  });
});
