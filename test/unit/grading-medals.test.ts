import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCompetition } from '../../core/competitions';
import { readLeaderboard } from '../../core/grading/leaderboard';
import { isLowerBetterFromLeaderboard, medalRanks, medalThresholds, rankScore } from '../../core/grading/medals';
import { testPython } from '../helpers/python';

/** Scores 1..n in steps of one, best first, for either direction. */
function ladder(n: number, lowerIsBetter: boolean): number[] {
  const xs = Array.from({ length: n }, (_, i) => i + 1);
  return lowerIsBetter ? xs : xs.reverse();
}

describe('medal ranks by leaderboard size (Kaggle progression, as MLE-bench applies it)', () => {
  // [teams, gold rank, silver rank, bronze rank], worked out by hand from the rules:
  // <100: 10% / 20% / 40% (at least rank 1); 100-249: 10 / 20% / 40%;
  // 250-999: 10 + 0.2% / 50 / 100; >=1000: 10 + 0.2% / 5% / 10%.
  it.each([
    [1, 1, 1, 1],
    [4, 1, 1, 1],
    [5, 1, 1, 2],
    [10, 1, 2, 4],
    [37, 3, 7, 14],
    [99, 9, 19, 39],
    [100, 10, 20, 40],
    [113, 10, 22, 45],
    [249, 10, 49, 99],
    [250, 10, 50, 100],
    [500, 11, 50, 100],
    [999, 11, 50, 100],
    [1000, 12, 50, 100],
    [1244, 12, 62, 124],
    [5000, 20, 250, 500],
  ])('%i teams: gold %i, silver %i, bronze %i', (n, gold, silver, bronze) => {
    expect(medalRanks(n)).toEqual({ gold, silver, bronze });
  });

  it('refuses an empty leaderboard', () => {
    expect(() => medalRanks(0)).toThrow(/at least one team/);
    expect(() => medalThresholds([], true)).toThrow(/at least one team/);
  });
});

describe('medalThresholds', () => {
  it('small leaderboard, lower is better', () => {
    // 20 teams: gold rank 2, silver 4, bronze 8; median of 1..20 = 10.5.
    expect(medalThresholds(ladder(20, true), true)).toEqual({ gold: 2, silver: 4, bronze: 8, median: 10.5 });
  });

  it('small leaderboard, higher is better', () => {
    expect(medalThresholds(ladder(20, false), false)).toEqual({ gold: 19, silver: 17, bronze: 13, median: 10.5 });
  });

  it('medium leaderboard (100-249 teams) in both directions', () => {
    expect(medalThresholds(ladder(150, true), true)).toEqual({ gold: 10, silver: 30, bronze: 60, median: 75.5 });
    expect(medalThresholds(ladder(150, false), false)).toEqual({ gold: 141, silver: 121, bronze: 91, median: 75.5 });
  });

  it('large leaderboards (250-999 and 1000+) in both directions', () => {
    expect(medalThresholds(ladder(601, true), true)).toEqual({ gold: 11, silver: 50, bronze: 100, median: 301 });
    expect(medalThresholds(ladder(601, false), false)).toEqual({ gold: 591, silver: 552, bronze: 502, median: 301 });
    expect(medalThresholds(ladder(2000, true), true)).toEqual({ gold: 14, silver: 100, bronze: 200, median: 1000.5 });
    expect(medalThresholds(ladder(2000, false), false)).toEqual({ gold: 1987, silver: 1901, bronze: 1801, median: 1000.5 });
  });

  it('ranks an unsorted list by the given direction first', () => {
    const shuffled = [7, 3, 10, 1, 9, 2, 8, 4, 6, 5];
    expect(medalThresholds(shuffled, true)).toEqual(medalThresholds(ladder(10, true), true));
    expect(medalThresholds(shuffled, false)).toEqual(medalThresholds(ladder(10, false), false));
  });

  it('a single team sets every threshold', () => {
    expect(medalThresholds([0.5], true)).toEqual({ gold: 0.5, silver: 0.5, bronze: 0.5, median: 0.5 });
  });
});

describe('rankScore', () => {
  const lower = { gold: 0.2, silver: 0.4, bronze: 0.8, median: 1.05 };
  const higher = { gold: 0.9, silver: 0.8, bronze: 0.7, median: 0.5 };

  it('medals are inclusive and exclusive of each other (lower is better)', () => {
    expect(rankScore(0.1, lower, true)).toMatchObject({ gold_medal: true, silver_medal: false, bronze_medal: false, any_medal: true });
    expect(rankScore(0.2, lower, true)).toMatchObject({ gold_medal: true, silver_medal: false, bronze_medal: false });
    expect(rankScore(0.2000001, lower, true)).toMatchObject({ gold_medal: false, silver_medal: true, bronze_medal: false });
    expect(rankScore(0.4, lower, true)).toMatchObject({ gold_medal: false, silver_medal: true });
    expect(rankScore(0.8, lower, true)).toMatchObject({ silver_medal: false, bronze_medal: true, any_medal: true });
    expect(rankScore(0.8000001, lower, true)).toMatchObject({ bronze_medal: false, any_medal: false, above_median: true });
  });

  it('above median is strict (lower is better)', () => {
    expect(rankScore(1.05, lower, true).above_median).toBe(false);
    expect(rankScore(1.0499999, lower, true).above_median).toBe(true);
    expect(rankScore(2, lower, true)).toEqual({
      gold_medal: false,
      silver_medal: false,
      bronze_medal: false,
      any_medal: false,
      above_median: false,
    });
  });

  it('mirrors for higher is better', () => {
    expect(rankScore(0.9, higher, false)).toMatchObject({ gold_medal: true, silver_medal: false });
    expect(rankScore(0.8999, higher, false)).toMatchObject({ gold_medal: false, silver_medal: true });
    expect(rankScore(0.7, higher, false)).toMatchObject({ bronze_medal: true });
    expect(rankScore(0.6999, higher, false)).toMatchObject({ any_medal: false, above_median: true });
    expect(rankScore(0.5, higher, false).above_median).toBe(false);
    expect(rankScore(0.5001, higher, false).above_median).toBe(true);
  });

  it('no score, no medal', () => {
    expect(rankScore(null, lower, true)).toEqual({
      gold_medal: false,
      silver_medal: false,
      bronze_medal: false,
      any_medal: false,
      above_median: false,
    });
  });
});

describe('leaderboard direction and file', () => {
  const tmp: string[] = [];
  afterAll(async () => {
    await Promise.all(tmp.map((d) => fs.rm(d, { recursive: true, force: true })));
  });
  async function leaderboardFile(text: string): Promise<string> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-lb-'));
    tmp.push(dir);
    await fs.writeFile(path.join(dir, 'leaderboard.csv'), text);
    return path.join(dir, 'leaderboard.csv');
  }

  it('takes the direction from the order: first below last means lower is better', () => {
    expect(isLowerBetterFromLeaderboard([0.1, 0.5, 0.9])).toBe(true);
    expect(isLowerBetterFromLeaderboard([0.9, 0.5, 0.1])).toBe(false);
    expect(isLowerBetterFromLeaderboard([0.5, 0.5])).toBe(false);
  });

  it('reads the bundled leaderboard: a ranking of 100-250 reference solutions, lower is better', async () => {
    const lb = await readLeaderboard((await loadCompetition('sotu-authorship')).leaderboardPath);
    expect(lb.isLowerBetter).toBe(true);
    expect(lb.scores.length).toBeGreaterThanOrEqual(100);
    expect(lb.scores.length).toBeLessThan(250);
    // The uniform guess (ln 3) is on it, below the median.
    expect(lb.scores).toContain(1.09861);
    expect(medalThresholds(lb.scores, true).median).toBeLessThan(1.09861);
  });

  it('rejects a leaderboard that is not a ranking, a bad score, or no score column', async () => {
    await expect(readLeaderboard(await leaderboardFile('teamId,score\n1,0.5\n2,0.9\n3,0.7\n'))).rejects.toThrow(
      /line 4: scores are not in rank order/,
    );
    await expect(readLeaderboard(await leaderboardFile('teamId,score\n1,0.5\n2,abc\n'))).rejects.toThrow(/line 3: score "abc"/);
    await expect(readLeaderboard(await leaderboardFile('teamId,points\n1,0.5\n'))).rejects.toThrow(
      /leaderboard\.csv: missing column "score"/,
    );
    await expect(readLeaderboard(await leaderboardFile('score\n'))).rejects.toThrow(/no rows/);
  });
});

describe('the edges of every team-count bracket, end to end from a leaderboard file', () => {
  const tmp: string[] = [];
  afterAll(async () => {
    await Promise.all(tmp.map((d) => fs.rm(d, { recursive: true, force: true })));
  });

  // [teams, gold rank, silver rank, bronze rank], from the rules by hand: the last and first size of
  // each bracket (1-99, 100-249, 250-999, 1000+).
  const edges: [number, number, number, number][] = [
    [1, 1, 1, 1],
    [99, 9, 19, 39],
    [100, 10, 20, 40],
    [249, 10, 49, 99],
    [250, 10, 50, 100],
    [999, 11, 50, 100],
    [1000, 12, 50, 100],
    [1001, 12, 50, 100],
  ];

  it.each(edges.flatMap(([n, g, s, b]) => [true, false].map((lower) => [n, lower ? 'lower' : 'higher', g, s, b, lower] as const)))(
    '%i teams, %s is better: medals at ranks %i / %i / %i, inclusive; above median strict',
    async (n, _dir, goldRank, silverRank, bronzeRank, lower) => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-lb-'));
      tmp.push(dir);
      const file = path.join(dir, 'leaderboard.csv');
      // Rank r scores r (lower is better) or n + 1 - r (higher is better); with one team, the
      // single row cannot show a direction, and MLE-bench then reads it as higher-is-better.
      const scoreAt = (rank: number) => (lower ? rank : n + 1 - rank);
      await fs.writeFile(file, `teamId,score\n${Array.from({ length: n }, (_, i) => `t${i + 1},${scoreAt(i + 1)}`).join('\n')}\n`);
      const lb = await readLeaderboard(file);
      expect(lb.isLowerBetter).toBe(n > 1 && lower);
      const t = medalThresholds(lb.scores, lb.isLowerBetter);
      expect(t).toMatchObject({ gold: scoreAt(goldRank), silver: scoreAt(silverRank), bronze: scoreAt(bronzeRank), median: (n + 1) / 2 });

      const at = (rank: number) => rankScore(scoreAt(rank), t, lb.isLowerBetter);
      // Equal to a threshold earns that medal (or a better one, where two ranks coincide)...
      expect(at(goldRank).gold_medal).toBe(true);
      expect(at(silverRank).gold_medal || at(silverRank).silver_medal).toBe(true);
      expect(at(bronzeRank).any_medal).toBe(true);
      if (n > 1) {
        // ...and one place below it does not.
        expect(at(goldRank + 1).gold_medal).toBe(false);
        expect(at(silverRank + 1).gold_medal || at(silverRank + 1).silver_medal).toBe(false);
        expect(at(bronzeRank + 1).any_medal).toBe(false);
        // A score equal to the median is not above it; half a place better is.
        const better = lb.isLowerBetter ? -0.5 : 0.5;
        expect(rankScore(t.median, t, lb.isLowerBetter).above_median).toBe(false);
        expect(rankScore(t.median + better, t, lb.isLowerBetter).above_median).toBe(true);
      }
    },
  );

  it('ties at a threshold: every team with the threshold score earns the medal', () => {
    // 20 teams, lower is better: gold at rank 2, whose score 0.1 is shared by ranks 1-3.
    const scores = [0.1, 0.1, 0.1, ...Array.from({ length: 17 }, (_, i) => 0.2 + i * 0.01)];
    const t = medalThresholds(scores, true);
    expect(t.gold).toBe(0.1);
    expect(rankScore(0.1, t, true)).toMatchObject({ gold_medal: true, any_medal: true });
  });

  it("agrees with Python's int() on the rank arithmetic for every size up to 5000", () => {
    const ns = Array.from({ length: 5000 }, (_, i) => i + 1);
    const script = [
      'import json, sys',
      'def ranks(n):',
      '    at = lambda f: max(1, int(n * f))',
      '    if n < 100: return [at(0.1), at(0.2), at(0.4)]',
      '    if n < 250: return [10, at(0.2), at(0.4)]',
      '    if n < 1000: return [10 + int(n * 0.002), 50, 100]',
      '    return [10 + int(n * 0.002), at(0.05), at(0.1)]',
      'print(json.dumps([ranks(n) for n in json.load(sys.stdin)]))',
    ].join('\n');
    const python = JSON.parse(execFileSync(testPython(), ['-c', script], { input: JSON.stringify(ns) }).toString()) as number[][];
    expect(ns.map((n) => Object.values(medalRanks(n)))).toEqual(python);
  });
});
