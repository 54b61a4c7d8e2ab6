/**
 * Which competitions come from Kaggle: MLE-bench's, known here by id (competitions/kaggle.yaml and
 * MLE-bench's Kaggle splits, splits/dev.txt and splits/lite.txt), as opposed to the bundled offline
 * ones (a folder under competitions/). `mlebench prepare` downloads any id that is not bundled.
 */
import path from 'node:path';
import { listCompetitionIds } from '../competitions';
import { kaggleCatalog } from '../competitions/kaggle';
import { readSplitText, splitEntries } from '../competitions/splits';
import type { HarnessPaths } from '../config';

export interface KnownKaggleCompetition {
  id: string;
  /** In MLE-bench Lite (splits/lite.txt or kaggle.yaml's `lite`). */
  lite: boolean;
}

/** The ids of one of the harness's split files; none when it cannot be read (the catalogue is a listing, not a check). */
async function splitIds(file: string): Promise<string[]> {
  const text = await readSplitText(file).catch(() => undefined);
  return splitEntries(text ?? '').map((e) => e.id);
}

/** The Kaggle competitions known by id and not bundled, in catalogue order then split order. */
export async function knownKaggleCompetitions(
  paths: Pick<HarnessPaths, 'competitionsDir' | 'splitsDir'>,
): Promise<KnownKaggleCompetition[]> {
  const [catalog, lite, dev, bundled] = await Promise.all([
    kaggleCatalog(paths.competitionsDir),
    splitIds(path.join(paths.splitsDir, 'lite.txt')),
    splitIds(path.join(paths.splitsDir, 'dev.txt')),
    listCompetitionIds({ competitionsDir: paths.competitionsDir }),
  ]);
  const out = new Map<string, KnownKaggleCompetition>();
  for (const c of catalog) out.set(c.id, { id: c.id, lite: c.lite || lite.includes(c.id) });
  for (const id of [...lite, ...dev]) if (!out.has(id)) out.set(id, { id, lite: lite.includes(id) });
  for (const id of bundled) out.delete(id);
  return [...out.values()];
}
