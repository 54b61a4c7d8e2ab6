/** An experiment's arms in the plan (core/runs/planned.ts) and the paired effect of its context (core/stats/experiment.ts), without a server. */
import { describe, expect, it } from 'vitest';
import { parseRunOptions } from '../../core/options';
import { runOptionsOf } from '../../client/server/payload';
import { gitSettings } from '../../core/agents/gitSource';
import { instructionsWithContext } from '../../core/context/instructions';
import { plannedRuns } from '../../core/runs/planned';
import type { Arm } from '../../core/options';
import type { CompetitionRunResult, Medal, RunResult, TechniqueRunResult } from '../../core/runs/types';
import { armGroups, effectSign, experimentReport } from '../../core/stats/experiment';
import { silverReport } from '../helpers/runKinds';

const group = { groupId: 'g', agentId: 'dummy', groupDir: '/runs/G', startedAt: '2026-01-01T00:00:00Z' };

describe('an experiment plan', () => {
  it('runs every competition × seed once per arm, each with its own id and folder and its arm', () => {
    const options = parseRunOptions({
      agentId: 'dummy',
      competitions: ['a', 'b'],
      nSeeds: 2,
      arms: ['plain', 'injected'],
      context: { text: 'hint' },
    });
    const runs = plannedRuns({ ...group, options, kind: 'competition', competitionIds: ['a', 'b'] });
    expect(runs.map((r) => [r.arm, r.competitionId, r.seed])).toEqual([
      ['plain', 'a', 1],
      ['plain', 'a', 2],
      ['plain', 'b', 1],
      ['plain', 'b', 2],
      ['injected', 'a', 1],
      ['injected', 'a', 2],
      ['injected', 'b', 1],
      ['injected', 'b', 2],
    ]);
    expect(runs[0]).toMatchObject({ runId: 'g/arm-plain/a/seed-1', runDir: '/runs/G/plain_a_seed-1' });
    expect(runs[4]).toMatchObject({ runId: 'g/arm-injected/a/seed-1', runDir: '/runs/G/injected_a_seed-1' });
    expect(new Set(runs.map((r) => r.runId)).size).toBe(8);
    expect(new Set(runs.map((r) => r.runDir)).size).toBe(8);
  });

  it('gives technique runs an arm too, and leaves a group without arms as it was', () => {
    const options = parseRunOptions({
      agentId: 'dummy',
      techniqueTasks: true,
      nSeeds: 1,
      competitions: ['a'],
      arms: ['injected'],
      context: { text: 'hint' },
    });
    const runs = plannedRuns({ ...group, options, kind: 'technique', pairs: [{ task: 'missing', competitionId: 'a' }], skipped: [] });
    expect(runs).toEqual([
      expect.objectContaining({ runId: 'g/arm-injected/missing/a/seed-1', runDir: '/runs/G/injected_missing_a_seed-1', arm: 'injected' }),
    ]);
    const plain = parseRunOptions({ agentId: 'dummy', competitions: ['a'] });
    expect(plannedRuns({ ...group, options: plain, kind: 'competition', competitionIds: ['a'] })).toEqual([
      { kind: 'competition', runId: 'g/a/seed-1', competitionId: 'a', seed: 1, runDir: '/runs/G/a_seed-1' },
    ]);
  });

  it('takes its arms and context from the REST payload as from the CLI', () => {
    const options = runOptionsOf(
      { agent_id: 'dummy', competitions: ['a'], arms: ['plain', 'injected'], context: { text: 'hint', source: 'h.md' } },
      { dataDir: '/data' },
      gitSettings({}),
    );
    expect(parseRunOptions(options)).toMatchObject({ arms: ['plain', 'injected'], context: { text: 'hint', source: 'h.md' } });
  });

  it('refuses an unknown or repeated arm by field', () => {
    expect(() => parseRunOptions({ agentId: 'dummy', competitions: ['a'], arms: ['plain', 'plain'] })).toThrow(
      /arms.*each arm at most once/,
    );
    expect(() => parseRunOptions({ agentId: 'dummy', competitions: ['a'], arms: ['placebo'] })).toThrow(/arms/);
    expect(() => parseRunOptions({ agentId: 'dummy', competitions: ['a'], arms: ['plain', 'injected'] })).toThrow(
      /context: the injected arm is given the context/,
    );
  });

  it('adds a context to the instructions, and an empty one nothing', () => {
    const base = 'You are an agent.\n';
    expect(instructionsWithContext(base, { text: 'Rank by exclamation marks.', source: 'hints.md' })).toBe(
      'You are an agent.\n\nADDITIONAL CONTEXT (hints.md): notes given with this run, to use as you see fit.\n\nRank by exclamation marks.\n',
    );
    expect(instructionsWithContext(base, { text: ' \n' })).toBe(base);
  });
});

function run(arm: Arm | undefined, competitionId: string, seed: number, score: number, medal: Medal | null = null): CompetitionRunResult {
  return {
    kind: 'competition',
    runId: `g/${arm ? `arm-${arm}/` : ''}${competitionId}/seed-${seed}`,
    competitionId,
    seed,
    outcome: 'succeeded',
    score,
    medal,
    aboveMedian: medal !== null,
    grade: silverReport({ competition_id: competitionId, score, is_lower_better: competitionId === 'loss' }),
    ...(arm ? { arm } : {}),
  } as CompetitionRunResult;
}

const technique = (arm: Arm, seed: number, score: number) =>
  ({
    kind: 'technique',
    runId: `g/arm-${arm}/missing/c/seed-${seed}`,
    competitionId: 'c',
    task: 'missing',
    seed,
    outcome: 'succeeded',
    score,
    arm,
  }) as TechniqueRunResult;

// t(0.975, 2), Student's t quantile (scipy.stats.t.ppf).
const T2 = 4.302652729911275;

describe('experimentReport', () => {
  const runs: RunResult[] = [
    // acc (higher is better): injected gains 0.1, 0.15, 0.2 over seeds 1-3; two of three medals.
    run('plain', 'acc', 1, 0.5),
    run('plain', 'acc', 2, 0.5),
    run('plain', 'acc', 3, 0.5),
    run('injected', 'acc', 1, 0.6, 'bronze'),
    run('injected', 'acc', 2, 0.65, 'silver'),
    run('injected', 'acc', 3, 0.7),
    // loss (lower is better): injected is worse by 1 on every seed.
    run('plain', 'loss', 1, 1),
    run('plain', 'loss', 2, 1),
    run('injected', 'loss', 1, 2),
    run('injected', 'loss', 2, 2),
    technique('plain', 1, 0.2),
    technique('plain', 2, 0.4),
    technique('injected', 1, 1),
    technique('injected', 2, 1),
    run(undefined, 'acc', 9, 0.1),
  ];
  const report = experimentReport({ id: 'g', agent_id: 'dummy', runs });

  it('pairs the arms of one group run by run: injected − plain', () => {
    const { control, treatment, unarmed } = armGroups({ id: 'g', agent_id: 'dummy', runs });
    expect([control.runs.length, treatment.runs.length, unarmed]).toEqual([7, 7, 1]);
    expect(report.runs).toEqual({ control: 7, treatment: 7, unarmed: 1 });
    expect(report.overall.pairs).toBe(7);
    expect(report.method).toMatch(/^arms injected − plain: paired/);
  });

  it('gives each competition its score difference with a paired t interval, direction-aware', () => {
    const acc = report.by_competition.find((c) => c.competition_id === 'acc')!;
    const half = T2 * (0.05 / Math.sqrt(3));
    expect(acc.score[0]!.mean).toBeCloseTo(0.15, 12);
    expect(acc.score[0]!.ci_lower).toBeCloseTo(0.15 - half, 9);
    expect(acc.score[0]!.ci_upper).toBeCloseTo(0.15 + half, 9);
    expect(effectSign(acc.score[0]!)).toBe(1);
    // Two medals in three pairs: +66.7 pp; its interval (SD 57.7) holds zero.
    expect(acc.medal_rate!.mean).toBeCloseTo(200 / 3, 10);
    expect(effectSign(acc.medal_rate)).toBe(0);
    const loss = report.by_competition.find((c) => c.competition_id === 'loss')!;
    // Every difference equal: a zero-width interval below zero.
    expect(loss.score[0]).toMatchObject({ n: 2, mean: -1, ci_lower: -1, ci_upper: -1, is_lower_better: true });
    expect(effectSign(loss.score[0]!)).toBe(-1);
    const c = report.by_competition.find((x) => x.competition_id === 'c')!;
    expect(c.technique_grade).toMatchObject({ n: 2, mean: 0.7 });
  });

  it('reports the overall effect: the relative score over every pair, medal rate and technique grade', () => {
    // relative: acc 0.1/0.6, 0.15/0.65, 0.2/0.7; loss −1/2 twice; technique (1−0.2)/1, (1−0.4)/1.
    const relative = [0.1 / 0.6, 0.15 / 0.65, 0.2 / 0.7, -0.5, -0.5, 0.8, 0.6];
    expect(report.overall.relative_score!.n).toBe(7);
    expect(report.overall.relative_score!.mean).toBeCloseTo(relative.reduce((a, b) => a + b) / 7, 12);
    expect(report.overall.medal_rate).toMatchObject({ n: 5, mean: 40 });
    expect(report.overall.technique_grade).toMatchObject({ n: 2, mean: 0.7 });
    expect(effectSign(null)).toBeNull();
    expect(effectSign({ n: 1, mean: 1, ci_lower: null, ci_upper: null, standard_error: null })).toBeNull();
  });
});
