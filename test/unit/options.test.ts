import { describe, expect, it } from 'vitest';
import { InvalidRunOptionsError, parseRunOptions } from '../../core/options';

describe('run options', () => {
  it('fills in defaults', () => {
    const o = parseRunOptions({ agentId: 'dummy', competitions: ['sotu-authorship'] });
    expect(o).toMatchObject({ nSeeds: 1, maxParallel: 4, lite: false, techniqueTasks: false, timeLimitSecs: 3600 });
  });

  it('names each bad field and why', () => {
    let err: unknown;
    try {
      parseRunOptions({ agentId: 'Bad Agent!', nSeeds: 0, maxParallel: 1.5, tasks: ['magic'], extra: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidRunOptionsError);
    const fields = (err as InvalidRunOptionsError).issues.map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['agentId', 'nSeeds', 'maxParallel', 'tasks.0']));
    expect((err as Error).message).toMatch(/nSeeds: .*>=\s*1/i);
    expect((err as Error).message).toMatch(/extra/);
  });

  it('refuses both a split file and explicit competitions', () => {
    expect(() => parseRunOptions({ agentId: 'dummy', competitions: ['a'], competitionSet: 'splits/dev.txt' })).toThrow(/not both/);
  });

  it('accepts agent variants', () => {
    expect(parseRunOptions({ agentId: 'aide/dev', lite: true }).agentId).toBe('aide/dev');
  });
});
