/**
 * Where a competition comes from, decided in one place. A competition is either bundled with the
 * harness (`competitions/<id>/`, prepared from its sources and graded in TypeScript) or listed by
 * the MLE-bench checkout (prepared and graded by the checkout's own Python). A bundled
 * competition of the same id wins, so a checkout never changes what an offline run does.
 *
 * The decision is made once, when a group is planned (core/runs/plan.ts), and travels in the plan
 * as a `CompetitionSourceDescriptor`; the activities turn it back into the source with
 * `openCompetitionSource`. The descriptor names no checkout path: each worker uses its own
 * configured checkout, as it uses its own data folder.
 */
import path from 'node:path';
import { harnessPaths } from '../config';
import { checkBundledSubmission, gradeBundledSubmission, ungradedBundledReport } from '../grading/bundled';
import type { CompetitionReport } from '../grading/report';
import { configuredCheckoutPath, findMleBenchCompetition, MLEBENCH_REPO_ENV, type MleBenchCompetition } from '../mlebench/checkout';
import { gradeMleBenchSubmission, ungradedMleBenchReport } from '../mlebench/grade';
import { isMleBenchPrepared, mleBenchDataProblem, prepareMleBenchCompetition } from '../mlebench/prepare';
import { isBundledPrepared, prepareBundledCompetition } from './prepare';
import { withPrepareLock, type PrepareProgress } from './prepareLock';
import { competitionsDirOf, listCompetitionIds, loadCompetition, UnknownCompetitionError, type RegistryOptions } from './registry';
import type { Competition, PreparedCompetition } from './types';

/** The plan's record of a competition's source: small and serializable (it is a workflow input). */
export type CompetitionSourceDescriptor = { kind: 'bundled' } | { kind: 'mlebench' };

export interface SourceOptions extends RegistryOptions {
  /** The MLE-bench checkout; defaults to the configured one (MLEBENCH_REPO), none when unset. */
  checkout?: string;
}

export interface SubmissionOptions {
  dataDir: string;
  submissionPath: string;
  /** Size cap of the submission file (default: the source's own). */
  maxSubmissionBytes?: number;
}

interface SourceMethods {
  readonly id: string;
  readonly descriptor: CompetitionSourceDescriptor;
  /** In MLE-bench Lite. */
  readonly lite: boolean;
  /** Where the competition is defined, for people: `bundled competition "x" (<dir>)`. */
  describe(): string;
  /** Why it cannot be run with the data of `dataDir` (its raw data is missing), or undefined. */
  dataProblem(dataDir: string): Promise<Error | undefined>;
  isPrepared(dataDir: string): Promise<boolean>;
  /** Idempotent and cached: a prepared, intact competition returns at once. */
  prepare(options: { dataDir: string; force?: boolean }): Promise<PreparedCompetition>;
  /** Validates without scoring: what an agent may learn about its submission. */
  checkSubmission(options: SubmissionOptions): Promise<{ valid: boolean; reason?: string }>;
  /** An invalid or missing submission is a report (`valid_submission: false` and why), not an error. */
  gradeSubmission(options: SubmissionOptions): Promise<CompetitionReport>;
  /** The report of a run never graded (an infrastructure failure, a cancel): the leaderboard's thresholds, no submission, and why. */
  ungradedReport(reason: string): Promise<CompetitionReport>;
}

export interface BundledSource extends SourceMethods {
  readonly kind: 'bundled';
  readonly competition: Competition;
}

export interface MleBenchSource extends SourceMethods {
  readonly kind: 'mlebench';
  readonly competition: MleBenchCompetition;
}

export type CompetitionSource = BundledSource | MleBenchSource;

export function bundledSource(competition: Competition): BundledSource {
  return {
    kind: 'bundled',
    id: competition.id,
    descriptor: { kind: 'bundled' },
    competition,
    lite: competition.lite !== false,
    describe: () => `bundled competition "${competition.id}" (${competition.dir})`,
    dataProblem: () => Promise.resolve(undefined),
    isPrepared: (dataDir) => isBundledPrepared(competition, dataDir),
    prepare: (options) => prepareBundledCompetition(competition, options),
    checkSubmission: (options) => checkBundledSubmission(competition, options),
    gradeSubmission: (options) => gradeBundledSubmission(competition, options),
    ungradedReport: (reason) => ungradedBundledReport(competition, reason),
  };
}

export function mleBenchSource(competition: MleBenchCompetition): MleBenchSource {
  return {
    kind: 'mlebench',
    id: competition.id,
    descriptor: { kind: 'mlebench' },
    competition,
    lite: competition.lite,
    describe: () => `MLE-bench competition "${competition.id}" (${competition.dir})`,
    dataProblem: (dataDir) => mleBenchDataProblem(competition, dataDir),
    isPrepared: (dataDir) => isMleBenchPrepared(competition, dataDir),
    prepare: (options) => prepareMleBenchCompetition(competition, options),
    async checkSubmission(options) {
      // As MLE-bench validates: by running its grader.
      const report = await gradeMleBenchSubmission(competition, options);
      return report.valid_submission ? { valid: true } : { valid: false, reason: report.error };
    },
    gradeSubmission: (options) => gradeMleBenchSubmission(competition, options),
    ungradedReport: (reason) => ungradedMleBenchReport(competition, reason),
  };
}

/**
 * Where competition `id` comes from: the bundled registry first, then the MLE-bench checkout.
 * An id in neither throws UnknownCompetitionError naming both places looked in; a broken checkout,
 * or a broken config of that competition, throws its own error.
 */
export async function resolveCompetitionSource(id: string, options: SourceOptions = {}): Promise<CompetitionSource> {
  const known = await listCompetitionIds(options);
  if (isBundledAmong(known, id)) return bundledSource(await loadCompetition(id, options));
  const checkout = options.checkout ?? configuredCheckoutPath();
  const mlebench = checkout ? await findMleBenchCompetition(id, { checkout }) : undefined;
  if (mlebench) return mleBenchSource(mlebench);
  const where = checkout ? `the MLE-bench checkout ${checkout}` : `no MLE-bench checkout (${MLEBENCH_REPO_ENV} is not set)`;
  throw new UnknownCompetitionError(id, known, `looked in ${competitionsDirOf(options)} and ${where}`);
}

/**
 * Which of `ids` are bundled (the rest come from MLE-bench, downloaded from Kaggle when their data is
 * missing): the same rule as resolveCompetitionSource, for callers that must decide before a
 * competition's data or checkout entry exists.
 */
export async function bundledCompetitionIds(ids: readonly string[], options: RegistryOptions = {}): Promise<Set<string>> {
  const known = await listCompetitionIds(options);
  return new Set(ids.filter((id) => isBundledAmong(known, id)));
}

/** The bundled registry wins: an id it lists is bundled, whatever a checkout says. */
const isBundledAmong = (registryIds: readonly string[], id: string) => registryIds.includes(id);

/** The source a plan recorded, opened again (on whichever worker runs the step). */
export async function openCompetitionSource(
  id: string,
  descriptor: CompetitionSourceDescriptor,
  options: SourceOptions = {},
): Promise<CompetitionSource> {
  if (descriptor.kind === 'bundled') return bundledSource(await loadCompetition(id, options));
  const checkout = options.checkout ?? configuredCheckoutPath();
  const mlebench = checkout ? await findMleBenchCompetition(id, { checkout }) : undefined;
  if (!mlebench) {
    const where = checkout
      ? `the MLE-bench checkout ${checkout} does not list it`
      : `this process has no MLE-bench checkout (${MLEBENCH_REPO_ENV})`;
    throw new UnknownCompetitionError(id, [], `planned as an MLE-bench competition, but ${where}`);
  }
  return mleBenchSource(mlebench);
}

/**
 * The recorded source when there is one; otherwise (a run planned before sources were recorded,
 * a call outside a run group) decided now, as it was then.
 */
export function competitionSourceFor(
  id: string,
  options: SourceOptions & { source?: CompetitionSourceDescriptor } = {},
): Promise<CompetitionSource> {
  return options.source ? openCompetitionSource(id, options.source, options) : resolveCompetitionSource(id, options);
}

export interface PrepareOptions extends SourceOptions {
  /** Root of prepared data; defaults to harnessPaths().dataDir. */
  dataDir?: string;
  /** Rebuild even if prepared data exists (e.g. after PreparedDataChangedError). */
  force?: boolean;
  /** The source the plan recorded; resolved from `id` when absent. */
  source?: CompetitionSourceDescriptor;
  /** What the prepare is doing (waiting for another prepare of the same data, preparing): for heartbeats. */
  onProgress?: (p: PrepareProgress) => void;
}

/** Prepared, intact and built from the current config. */
export async function isPrepared(id: string, options: PrepareOptions = {}): Promise<boolean> {
  return (await competitionSourceFor(id, options)).isPrepared(options.dataDir ?? harnessPaths().dataDir);
}

/** Once per data folder: concurrent prepares of `id` wait for the first, then find its cached, verified copy (prepareLock.ts). */
export async function prepareCompetition(id: string, options: PrepareOptions = {}): Promise<PreparedCompetition> {
  const source = await competitionSourceFor(id, options);
  const dataDir = options.dataDir ?? harnessPaths().dataDir;
  return withPrepareLock(path.join(dataDir, id), `competition ${id}`, () => source.prepare({ dataDir, force: options.force }), {
    onProgress: options.onProgress,
  });
}
