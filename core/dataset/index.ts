/** The rollouts dataset (docs/datasets.md): export (export.ts) and SQL over the run folders (query.ts). */
import { resolveGroupFolder } from '../stats/groups';
import { runsFolderGroups } from './query';

export { exportDataset, EXPORT_FORMATS, type ExportFormat, type ExportOptions, type ExportResult } from './export';
export { queryGroups, QueryError, runsFolderGroups, type QueryLimits, type QueryResult } from './query';
export { datasetFiltersSchema, type DatasetFilters } from './filters';
export { DEFAULT_FILE_CAPS, type FileCaps } from './read';

/** Group arguments (folders, or ids of the runs folder's groups) as folders; none given: every group of the runs folder. */
export async function datasetGroupDirs(groups: readonly string[] | undefined, runsDir: string): Promise<string[]> {
  if (!groups?.length) return runsFolderGroups(runsDir);
  return Promise.all(groups.map((g) => resolveGroupFolder(g, runsDir)));
}
