/** A competition's leaderboard.csv: a `score` column, best team first (MLE-bench's layout). */
import { columnIndex, readCsvFile } from '../csv';
import { isLowerBetterFromLeaderboard } from './medals';

export interface Leaderboard {
  file: string;
  /** Scores in the file's (rank) order. */
  scores: number[];
  isLowerBetter: boolean;
}

export async function readLeaderboard(file: string): Promise<Leaderboard> {
  const table = await readCsvFile(file);
  const col = columnIndex(table, 'score', file);
  if (table.rows.length === 0) throw new Error(`${file}: leaderboard has no rows`);
  const scores = table.rows.map((row, i) => {
    const value = Number(row[col]);
    if (row[col]?.trim() === '' || !Number.isFinite(value)) {
      throw new Error(`${file}: line ${i + 2}: score "${row[col]}" is not a finite number`);
    }
    return value;
  });
  const isLowerBetter = isLowerBetterFromLeaderboard(scores);
  // The direction and the medal ranks both come from the order, so it must be a ranking.
  for (let i = 1; i < scores.length; i++) {
    if (isLowerBetter ? scores[i]! < scores[i - 1]! : scores[i]! > scores[i - 1]!) {
      throw new Error(`${file}: line ${i + 2}: scores are not in rank order (best first)`);
    }
  }
  return { file, scores, isLowerBetter };
}
