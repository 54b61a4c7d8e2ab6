/** What can be run: the competitions (prepared or not) and the technique tasks, for `mlebench list` and the REST API. */
import { isPrepared, listCompetitions, type Competition } from '../core/competitions';
import type { HarnessPaths } from '../core/config';
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
}

export interface TechniqueTaskEntry {
  id: string;
  title: string;
  description: string;
  targets: string[];
  writes: string[];
  applies_to: string[];
}

export async function competitionCatalog(paths: Pick<HarnessPaths, 'dataDir'>): Promise<CompetitionEntry[]> {
  const competitions = await listCompetitions();
  return Promise.all(
    competitions.map(async (c) => ({
      id: c.id,
      name: c.name,
      metric: c.metric,
      modality: c.modality,
      source: c.config.source.name,
      licence: c.config.source.licence,
      lite: c.lite !== false,
      prepared: await isPrepared(c.id, { dataDir: paths.dataDir }),
    })),
  );
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
