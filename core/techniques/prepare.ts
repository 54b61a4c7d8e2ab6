/**
 * Technique data: a task's planted copy of a competition's prepared data, at
 * `<dataDir>/techniques/<task>/<competition>/seed-<n>/prepared/{public,private}`.
 *
 * public/  train.csv, test.csv, sample_submission.csv, description.md, task.json — what the agent sees
 * private/ answers.csv, truth.json — what the grader checks against; never mounted
 *
 * Deterministic (seeded by task × competition × seed), cached and checksum-verified like a
 * competition's data, and installed with the same atomic rename.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic, readJsonIfExists } from '../artifacts/atomic';
import { harnessPaths } from '../config';
import { toCsv, type CsvTable } from '../csv';
import { log } from '../log';
import { loadCompetition, prepareCompetition, PreparedDataChangedError, type RegistryOptions } from '../competitions';
import { installPreparedFolder } from '../competitions/prepare';
import { withPrepareLock, type PrepareProgress } from '../competitions/prepareLock';
import { buildManifest, MANIFEST_FILE, verifyManifest, type Manifest } from '../competitions/manifest';
import { seededRandom } from '../competitions/random';
import { column, loadTabularData } from './data';
import { analysisFileName, renderDescription, taskDefinition, TechniqueNotApplicableError, whyNotApplicable } from './registry';
import type { Problem, TechniqueTask } from './types';

/** Bump when a transform changes: cached technique data built by an older one is rebuilt. */
export const TECHNIQUE_DATA_VERSION = 2;

export const TRUTH_FILE = 'truth.json';
export const TASK_FILE = 'task.json';

export interface TechniqueRunKey {
  task: TechniqueTask;
  competitionId: string;
  seed: number;
}

export interface PreparedTechnique extends TechniqueRunKey {
  publicDir: string;
  privateDir: string;
  checksum: string;
}

/** What the agent reads from /home/data/task.json: the task, the columns, the files to write. */
export interface TaskFile {
  task: TechniqueTask;
  competition_id: string;
  seed: number;
  id_column: string;
  target_column: string;
  problem: Problem;
  /** Classification: the labels a prediction may name. */
  labels: string[];
  submission_file: 'submission.csv';
  analysis_file: string;
  extra_files: string[];
  facts: Record<string, string | number | boolean>;
}

/** private/truth.json */
export interface TruthFile<Truth = unknown> extends TechniqueRunKey {
  problem: Problem;
  labels: string[];
  id_column: string;
  target_column: string;
  /** The source competition's data checksum: the truth holds only for that data. */
  source_checksum: string;
  truth: Truth;
}

export interface TechniquePrepareOptions extends RegistryOptions {
  dataDir?: string;
  /** What the prepare is doing (the competition's, then the plant's): for heartbeats. */
  onProgress?: (p: PrepareProgress) => void;
}

export function techniqueRoot(dataDir: string, key: TechniqueRunKey): string {
  return path.join(dataDir, 'techniques', key.task, key.competitionId, `seed-${key.seed}`);
}

/** The seed of one plant: a hash of task, competition and run seed, so every pair differs. */
export function plantSeed(key: TechniqueRunKey): number {
  return createHash('sha256').update(`${key.task}/${key.competitionId}/${key.seed}`).digest().readUInt32BE(0);
}

export async function prepareTechniqueData(key: TechniqueRunKey, options: TechniquePrepareOptions = {}): Promise<PreparedTechnique> {
  const dataDir = options.dataDir ?? harnessPaths().dataDir;
  const competition = await loadCompetition(key.competitionId, options);
  const reason = whyNotApplicable(key.task, competition);
  if (reason) throw new TechniqueNotApplicableError(key.task, key.competitionId, reason);
  const source = await prepareCompetition(key.competitionId, { ...options, dataDir });

  const root = techniqueRoot(dataDir, key);
  const preparedDir = path.join(root, 'prepared');
  const id = `${key.task}/${key.competitionId}/seed-${key.seed}`;
  const description = await renderDescription(key.task, competition);
  const inputs = createHash('sha256')
    .update(JSON.stringify({ ...key, version: TECHNIQUE_DATA_VERSION, source: source.checksum }))
    .update(description)
    .digest('hex');

  // Once per data folder, like the competition's data (its lock is released before this one is taken).
  return withPrepareLock(
    root,
    `technique ${id}`,
    async () => {
      const existing = await readJsonIfExists<Manifest>(path.join(preparedDir, MANIFEST_FILE));
      if (existing?.inputs === inputs) {
        const problems = await verifyManifest(preparedDir, existing);
        if (problems.length === 0) return prepared(key, preparedDir, existing);
        // Technique data is derived: rebuilding it from the verified source loses nothing.
        log.warn({ ...key, problems }, 'technique data changed since it was prepared: preparing it again');
      }

      const manifest = await installPreparedFolder(
        root,
        id,
        async (dir) => {
          const data = await loadTabularData(competition, source);
          const definition = taskDefinition(key.task);
          const planted = definition.plant(data, seededRandom(plantSeed(key)));
          const publicDir = path.join(dir, 'public');
          const privateDir = path.join(dir, 'private');
          await fs.mkdir(publicDir, { recursive: true });
          await fs.mkdir(privateDir, { recursive: true });
          const taskFile: TaskFile = {
            task: key.task,
            competition_id: key.competitionId,
            seed: key.seed,
            id_column: data.idColumn,
            target_column: data.targetColumn,
            problem: data.problem,
            labels: data.labels,
            submission_file: 'submission.csv',
            analysis_file: analysisFileName(key.task),
            extra_files: [...(definition.extraFiles ?? [])],
            facts: planted.facts ?? {},
          };
          const truthFile: TruthFile = {
            ...key,
            problem: data.problem,
            labels: data.labels,
            id_column: data.idColumn,
            target_column: data.targetColumn,
            source_checksum: source.checksum,
            truth: planted.truth,
          };
          await Promise.all([
            writeTable(path.join(publicDir, 'train.csv'), planted.train),
            writeTable(path.join(publicDir, 'test.csv'), planted.test),
            writeTable(
              path.join(publicDir, 'sample_submission.csv'),
              sampleSubmission(planted.train, planted.test, data.idColumn, data.targetColumn, data.problem),
            ),
            fs.writeFile(path.join(publicDir, 'description.md'), description),
            fs.writeFile(path.join(publicDir, TASK_FILE), `${JSON.stringify(taskFile, null, 2)}\n`),
            writeTable(path.join(privateDir, 'answers.csv'), planted.answers),
            fs.writeFile(path.join(privateDir, TRUTH_FILE), `${JSON.stringify(truthFile, null, 2)}\n`),
          ]);
          const manifest = await buildManifest(dir, id, inputs);
          await writeJsonAtomic(path.join(dir, MANIFEST_FILE), manifest);
          return manifest;
        },
        { replace: existing !== undefined },
      );
      log.info({ ...key, checksum: manifest.checksum }, 'technique data planted');
      return prepared(key, preparedDir, manifest);
    },
    { onProgress: options.onProgress },
  );
}

/** The prepared technique data, verified: grading never runs against edited truth. */
export async function loadPreparedTechnique(
  key: TechniqueRunKey,
  options: TechniquePrepareOptions = {},
): Promise<PreparedTechnique & { truth: TruthFile }> {
  const p = await prepareTechniqueData(key, options);
  const truth = await readJsonIfExists<TruthFile>(path.join(p.privateDir, TRUTH_FILE));
  if (!truth)
    throw new PreparedDataChangedError(`${key.task}/${key.competitionId}`, path.dirname(p.privateDir), [
      { file: `private/${TRUTH_FILE}`, problem: 'missing' },
    ]);
  return { ...p, truth };
}

function prepared(key: TechniqueRunKey, preparedDir: string, manifest: Manifest): PreparedTechnique {
  return {
    ...key,
    publicDir: path.join(preparedDir, 'public'),
    privateDir: path.join(preparedDir, 'private'),
    checksum: manifest.checksum,
  };
}

async function writeTable(file: string, table: CsvTable): Promise<void> {
  await writeFileAtomic(file, toCsv(table.header, table.rows));
}

/** The format of a submission: every test id with the most common train label, or the train mean. */
function sampleSubmission(train: CsvTable, test: CsvTable, idColumn: string, targetColumn: string, problem: Problem): CsvTable {
  const ys = column(train, targetColumn);
  let value: string;
  if (problem === 'regression') {
    const numbers = ys.map(Number).filter(Number.isFinite);
    value = String(Number((numbers.reduce((s, x) => s + x, 0) / numbers.length).toPrecision(8)));
  } else {
    const counts = new Map<string, number>();
    for (const y of ys) counts.set(y, (counts.get(y) ?? 0) + 1);
    value = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
  }
  return { header: [idColumn, targetColumn], rows: column(test, idColumn).map((id) => [id, value]) };
}
