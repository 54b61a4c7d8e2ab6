/**
 * `mlebench export GROUP... --out DIR`: run groups as a dataset (runs, llm_calls, files; parquet
 * or jsonl, and a dataset card), filtered, secrets redacted (core/dataset/, docs/datasets.md).
 * Reads the folders only: no Temporal server is needed.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { harnessPaths } from '../../core/config';
import { OUTCOMES } from '../../core/outcomes';
import { TECHNIQUE_TASKS } from '../../core/options';
import {
  datasetFiltersSchema,
  datasetGroupDirs,
  DEFAULT_FILE_CAPS,
  EXPORT_FORMATS,
  exportDataset,
  type DatasetFilters,
  type ExportFormat,
} from '../../core/dataset';
import { formatZodError } from '../../core/validation';
import { printJson } from './format';

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const bytes = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number of bytes');
  return n;
};
const grade = (v: string) => {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('a grade from 0 to 1');
  return n;
};

export interface FilterFlags {
  outcome?: string[];
  validOnly?: boolean;
  minMedal?: string;
  minTechniqueGrade?: number;
  competitions?: string[];
  tasks?: string[];
}

/** The dataset filters' flags, shared by export and query. */
export function withFilterOptions(cmd: Command): Command {
  return cmd
    .option('--outcome <list>', `only runs that ended so (comma-separated: ${OUTCOMES.join(', ')})`, list)
    .option('--valid-only', 'only runs whose submission was valid')
    .addOption(new Option('--min-medal <medal>', 'only competition runs with this medal or better').choices(['bronze', 'silver', 'gold']))
    .option('--min-technique-grade <grade>', 'only technique runs graded at least this (0..1)', grade)
    .option('--competitions <list>', 'only these competitions (comma-separated)', list)
    .option('--tasks <list>', `only technique runs of these tasks (comma-separated: ${TECHNIQUE_TASKS.join(', ')})`, list);
}

export function filtersOf(f: FilterFlags): DatasetFilters {
  const parsed = datasetFiltersSchema.safeParse({
    outcomes: f.outcome,
    validOnly: f.validOnly,
    minMedal: f.minMedal,
    minTechniqueGrade: f.minTechniqueGrade,
    competitions: f.competitions,
    tasks: f.tasks,
  });
  if (!parsed.success) throw new Error(`invalid filter: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

export function exportCommand(): Command {
  return withFilterOptions(
    new Command('export')
      .description(
        "run groups as a dataset: tables runs, llm_calls (each rollout line) and files (the agent's code and logs as text), keyed by run id, with a dataset card (README.md); gateway tokens and key-like strings redacted",
      )
      .argument('<groups...>', 'run groups: folders, or group ids of the runs folder')
      .requiredOption('--out <dir>', 'the folder to write (made when missing)')
      .addOption(new Option('--format <format>', 'file format').choices(EXPORT_FORMATS).default('parquet'))
      .option('--max-file-bytes <n>', 'text kept of one file', bytes, DEFAULT_FILE_CAPS.perFileBytes)
      .option('--max-run-bytes <n>', "text kept of one run's files together", bytes, DEFAULT_FILE_CAPS.perRunBytes)
      .option('--json', 'print what was written as JSON'),
  ).action(
    async (
      groups: string[],
      flags: FilterFlags & { out: string; format: ExportFormat; maxFileBytes: number; maxRunBytes: number; json?: boolean },
    ) => {
      const dirs = await datasetGroupDirs(groups, harnessPaths().runsDir);
      const result = await exportDataset(dirs, flags.out, {
        format: flags.format,
        filters: filtersOf(flags),
        caps: { perFileBytes: flags.maxFileBytes, perRunBytes: flags.maxRunBytes },
      });
      if (flags.json) return printJson(result);
      process.stdout.write(
        `${result.outDir}: ${result.files.join(', ')}\nrows: runs ${result.rows.runs}, llm_calls ${result.rows.llm_calls}, files ${result.rows.files} (from ${result.groups.length} groups)\n`,
      );
    },
  );
}
