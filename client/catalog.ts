/** What can be run: the competitions (prepared or not, and why) and the technique tasks, for `mlebench list` and the REST API. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isPrepared, listCompetitions, type Competition } from '../core/competitions';
import type { HarnessPaths } from '../core/config';
import { describeKaggleCredentials, kaggleDataState, whyKaggleState } from '../core/kaggle';
import { knownKaggleCompetitions } from '../core/kaggle/competitions';
import { listMleBenchCompetitions, type MleBenchCompetition } from '../core/mlebench/checkout';
import { analysisFileName, listTechniqueTasks, whyNotApplicable } from '../core/techniques';

export interface CompetitionEntry {
  id: string;
  name: string;
  metric: string;
  modality: string;
  source: string;
  licence: string;
  lite: boolean;
  prepared: boolean;
  /** Why it is prepared or not, and what `mlebench prepare` would do (download from Kaggle, extract, prepare). */
  why: string;
}

export interface TechniqueTaskEntry {
  id: string;
  title: string;
  description: string;
  targets: string[];
  writes: string[];
  applies_to: string[];
}

/**
 * Every competition: the bundled ones, then those of the MLE-bench checkout (MLEBENCH_REPO), then
 * the Kaggle competitions known by id only (competitions/kaggle.yaml, splits/dev.txt and lite.txt).
 */
export async function competitionCatalog(
  paths: Pick<HarnessPaths, 'dataDir'> & Partial<Pick<HarnessPaths, 'competitionsDir' | 'splitsDir'>>,
): Promise<CompetitionEntry[]> {
  const competitions = await listCompetitions(paths.competitionsDir ? { competitionsDir: paths.competitionsDir } : {});
  const bundled = await Promise.all(
    competitions.map(async (c) => {
      const prepared = await isPrepared(c.id, { dataDir: paths.dataDir, competitionsDir: paths.competitionsDir });
      return {
        id: c.id,
        name: c.name,
        metric: c.metric,
        modality: c.modality,
        source: c.config.source.name,
        licence: c.config.source.licence,
        lite: c.lite !== false,
        prepared,
        why: prepared ? 'prepared' : bundledWhy(paths.dataDir, c.id),
      };
    }),
  );

  const seen = new Set(bundled.map((c) => c.id));
  // A checkout that cannot be read does not hide the rest of the listing: its ids are still known below.
  const checkout = (await listMleBenchCompetitions().catch(() => [] as MleBenchCompetition[])).filter((c) => !seen.has(c.id));
  for (const c of checkout) seen.add(c.id);
  const known =
    paths.splitsDir && paths.competitionsDir
      ? await knownKaggleCompetitions({ competitionsDir: paths.competitionsDir, splitsDir: paths.splitsDir })
      : [];
  const kaggleOnly = known.filter((k) => !seen.has(k.id));
  if (checkout.length === 0 && kaggleOnly.length === 0) return bundled;

  const credentials = await describeKaggleCredentials();
  const fromCheckout = await Promise.all(
    checkout.map(async (c) => {
      const state = await kaggleDataState(paths.dataDir, c.id);
      const prepared = await isPrepared(c.id, { dataDir: paths.dataDir, competitionsDir: paths.competitionsDir });
      const why = prepared
        ? 'prepared'
        : state.preparedPresent
          ? `prepared data in ${state.preparedDir} does not match MLE-bench's checksums: run mlebench prepare --force`
          : whyKaggleState(state, credentials);
      return {
        id: c.id,
        name: c.name,
        metric: c.graderName,
        modality: 'unknown',
        source: 'mlebench',
        licence: KAGGLE_LICENCE,
        lite: c.lite,
        prepared,
        why,
      };
    }),
  );
  const byIdOnly = await Promise.all(
    kaggleOnly.map(async (k) => {
      const state = await kaggleDataState(paths.dataDir, k.id);
      const why = state.preparedPresent
        ? `prepared (${state.preparedDir}); grading it needs an MLE-bench checkout (MLEBENCH_REPO)`
        : whyKaggleState(state, credentials);
      return {
        id: k.id,
        name: k.id,
        metric: 'unknown',
        modality: 'unknown',
        source: 'kaggle',
        licence: KAGGLE_LICENCE,
        lite: k.lite,
        prepared: state.preparedPresent,
        why,
      };
    }),
  );
  return [...bundled, ...fromCheckout, ...byIdOnly];
}

const KAGGLE_LICENCE = "the competition's rules on Kaggle";

function bundledWhy(dataDir: string, id: string): string {
  return existsSync(path.join(dataDir, id, 'prepared'))
    ? 'prepared data changed or outdated: run mlebench prepare --force'
    : 'not prepared yet: built from bundled sources by mlebench prepare (or by the first run)';
}

/** Each task, what it asks for, and the registered competitions it applies to. */
export async function techniqueCatalog(competitions?: Competition[]): Promise<TechniqueTaskEntry[]> {
  const all = competitions ?? (await listCompetitions());
  return listTechniqueTasks().map((t) => ({
    id: t.id,
    title: t.title,
    description: t.title,
    targets: [...t.problems],
    writes: ['submission.csv', analysisFileName(t.id), ...(t.extraFiles ?? [])],
    applies_to: all.filter((c) => !whyNotApplicable(t.id, c)).map((c) => c.id),
  }));
}
