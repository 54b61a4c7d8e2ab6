/** `mlebench aggregate`, `mlebench compare` and `mlebench experiment-report` as a user runs them, on group folders (no Temporal server). */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, MLEBENCH_BIN } from '../helpers/cli';
import { writeGroupFolder } from '../helpers/groupFolders';

const exec = promisify(execFile);
let env: NodeJS.ProcessEnv;
let folderA: string;

// The tables' borders are coloured (cli-table3): the text is what is checked.
const mlebench = async (args: string[]) =>
  stripVTControlCharacters((await exec(process.execPath, [MLEBENCH_BIN, ...args], { env })).stdout);

beforeAll(async () => {
  ({ env } = cliEnv());
  const runsDir = env.MLEBENCH_RUNS_DIR!;
  folderA = await writeGroupFolder(runsDir, 'grp-a', 'dummy', [
    { competitionId: 'c1', seed: 1, score: 0.5 },
    { competitionId: 'c1', seed: 2, score: 0.6, medal: 'bronze' },
    { competitionId: 'c2', seed: 1, score: 2, lowerIsBetter: true },
    { competitionId: 'c2', seed: 2, score: 3, lowerIsBetter: true },
  ]);
  await writeGroupFolder(runsDir, 'grp-b', 'baseline', [
    { competitionId: 'c1', seed: 1, score: 0.9, medal: 'gold' },
    { competitionId: 'c1', seed: 2, score: 0.8, medal: 'silver' },
    { competitionId: 'c2', seed: 1, score: 1, lowerIsBetter: true, medal: 'gold' },
    { competitionId: 'c2', seed: 2, score: null, lowerIsBetter: true },
  ]);
  // An experiment: injected gains 0.1, 0.2, 0.15 on c1's seeds.
  await writeGroupFolder(
    runsDir,
    'grp-x',
    'dummy',
    [0.5, 0.4, 0.6].flatMap((score, i) => [
      { competitionId: 'c1', seed: i + 1, score, arm: 'plain' as const },
      { competitionId: 'c1', seed: i + 1, score: score + [0.1, 0.2, 0.15][i]!, arm: 'injected' as const },
    ]),
  );
});

describe('mlebench aggregate', () => {
  it("prints MLE-bench's statistics per seed and averaged, for group ids and folders alike", async () => {
    const json = JSON.parse(await mlebench(['aggregate', 'grp-a', path.relative(process.cwd(), folderA), '--json'])) as {
      average: { num_seeds_averaged: number; metrics: Record<string, { mean: number; standard_error: number }> };
      seeds: { any_medal_percentage: number }[];
    };
    // The same group twice is four seeds of c1 and c2: medals 0, 50, 0, 50.
    expect(json.seeds.map((s) => s.any_medal_percentage)).toEqual([0, 50, 0, 50]);
    expect(json.average.num_seeds_averaged).toBe(4);
    expect(json.average.metrics.any_medal_percentage!.mean).toBe(25);
    expect(json.average.metrics.any_medal_percentage!.standard_error).toBeCloseTo(Math.sqrt(2500 / 3 / 4), 10);
    const table = await mlebench(['aggregate', 'grp-b', '--num-seeds', '1']);
    expect(table).toMatch(/1 seeds of 2 competitions \(complete seeds only\)/);
    expect(table).toMatch(/any medal %\s*│ 100\.00/);
  });
});

describe('mlebench compare', () => {
  it('pairs the two groups and prints the differences, B better positive, with paired t intervals', async () => {
    const json = JSON.parse(await mlebench(['compare', 'grp-a', 'grp-b', '--json'])) as {
      pairs: number;
      medal_rate: { n: number; mean: number };
      score: { competition_id: string; n: number; mean: number }[];
    };
    expect(json.pairs).toBe(4);
    expect(json.medal_rate).toMatchObject({ n: 4, mean: 50 });
    // c1: +0.4, +0.2; c2 (lower better): 2 → 1 is +1, and seed 2 has no B score.
    expect(json.score.map((s) => [s.competition_id, s.n, Number(s.mean.toFixed(6))])).toEqual([
      ['c1', 2, 0.3],
      ['c2', 1, 1],
    ]);
    const table = await mlebench(['compare', 'grp-a', 'grp-b']);
    expect(table).toContain('A: grp-a (dummy, 4 runs)   B: grp-b (baseline, 4 runs)');
    expect(table).toMatch(/score: c2 \(lower is better\)\s*│ 1\s*│ 1\s*│ — \(one pair\)/);
    expect(table).toMatch(/c2 seed 1 .* gold/);
  });
});

describe('mlebench experiment-report', () => {
  it("pairs an experiment's arms within its group: injected − plain with paired t intervals, and refuses a group without arms", async () => {
    const json = JSON.parse(await mlebench(['experiment-report', 'grp-x', '--json'])) as {
      overall: { pairs: number };
      by_competition: { competition_id: string; score: { n: number; mean: number; ci_lower: number }[] }[];
    };
    expect(json.overall.pairs).toBe(3);
    expect(json.by_competition[0]!.score[0]!.mean).toBeCloseTo(0.15, 12);
    // SD 0.05 over 3 pairs: 0.15 ± 4.3027 · 0.05/√3, above zero.
    expect(json.by_competition[0]!.score[0]!.ci_lower).toBeCloseTo(0.15 - (4.302652729911275 * 0.05) / Math.sqrt(3), 9);
    const table = await mlebench(['experiment-report', 'grp-x']);
    expect(table).toMatch(/injected − plain; 3 pairs/);
    expect(table).toMatch(/c1: score \(higher is better\)\s*│ 3\s*│ 0\.15\s*│.*│ above 0/);
    await expect(mlebench(['experiment-report', 'grp-a'])).rejects.toThrow(/not an experiment: no run has an arm/);
  });
});
