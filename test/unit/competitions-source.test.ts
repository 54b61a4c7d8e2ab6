/**
 * Where a competition comes from (core/competitions/source.ts): the bundled registry wins over the
 * MLE-bench checkout, the checkout answers for what the registry lacks, an id in neither names
 * both places looked in; each source prepares, checks, grades and reports an ungraded run; a
 * plan's descriptor opens the same source again. No server, no Docker (the checkout's Python
 * steps are test/mlebench/python.test.ts's).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harnessPaths, REPO_ROOT } from '../../core/config';
import { UnknownCompetitionError } from '../../core/competitions';
import {
  bundledCompetitionIds,
  competitionSourceFor,
  openCompetitionSource,
  resolveCompetitionSource,
} from '../../core/competitions/source';
import { CompetitionDataMissingError } from '../../core/competitions/kaggle';
import { toCsv, readCsvFile } from '../../core/csv';
import { parseRunOptions } from '../../core/options';
import { createRunGroupPlan } from '../../core/runs/plan';
import { plannedRuns } from '../../core/runs/planned';

const CHECKOUT = path.join(REPO_ROOT, 'test', 'fixtures', 'mle-bench');
const MLEBENCH_ID = 'telco-churn-mini';
const BUNDLED_ID = 'sotu-authorship';
const { competitionsDir } = harnessPaths();
let scratch: string;

beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-source-'));
});

afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

async function tmpDir(name: string): Promise<string> {
  const dir = path.join(scratch, name);
  await fs.mkdir(dir, { recursive: true });
  return dir;
}

describe('resolving a competition source', () => {
  it('a bundled competition comes from the registry, even when the checkout is set', async () => {
    const source = await resolveCompetitionSource(BUNDLED_ID, { competitionsDir, checkout: CHECKOUT });
    expect(source.kind).toBe('bundled');
    expect(source.descriptor).toEqual({ kind: 'bundled' });
    expect(source.describe()).toBe(`bundled competition "${BUNDLED_ID}" (${path.join(competitionsDir, BUNDLED_ID)})`);
  });

  it('the registry wins when both list the id', async () => {
    // A bundled competition of the checkout's id: a copy of sotu-authorship renamed.
    const dir = await tmpDir('registry-wins');
    await fs.cp(path.join(competitionsDir, BUNDLED_ID), path.join(dir, MLEBENCH_ID), { recursive: true });
    const file = path.join(dir, MLEBENCH_ID, 'config.yaml');
    const doc = YAML.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
    await fs.writeFile(file, YAML.stringify({ ...doc, id: MLEBENCH_ID }));

    expect((await resolveCompetitionSource(MLEBENCH_ID, { competitionsDir: dir, checkout: CHECKOUT })).kind).toBe('bundled');
    expect((await resolveCompetitionSource(MLEBENCH_ID, { competitionsDir, checkout: CHECKOUT })).kind).toBe('mlebench');
    // Preparing a batch (before any data or checkout entry exists) decides by the same rule.
    expect([...(await bundledCompetitionIds([MLEBENCH_ID, BUNDLED_ID, 'not-anywhere'], { competitionsDir: dir }))]).toEqual([MLEBENCH_ID]);
    expect([...(await bundledCompetitionIds([MLEBENCH_ID, BUNDLED_ID, 'not-anywhere'], { competitionsDir }))]).toEqual([BUNDLED_ID]);
  });

  it('the checkout answers for an id the registry lacks', async () => {
    const source = await resolveCompetitionSource(MLEBENCH_ID, { competitionsDir, checkout: CHECKOUT });
    expect(source.kind).toBe('mlebench');
    expect(source.descriptor).toEqual({ kind: 'mlebench' });
    expect(source.lite).toBe(true);
    expect(source.describe()).toBe(
      `MLE-bench competition "${MLEBENCH_ID}" (${path.join(CHECKOUT, 'mlebench', 'competitions', MLEBENCH_ID)})`,
    );
  });

  it('an id in neither is UnknownCompetitionError naming the competition and where it looked', async () => {
    const withCheckout = await resolveCompetitionSource('no-such-thing', { competitionsDir, checkout: CHECKOUT }).catch((e: unknown) => e);
    expect(withCheckout).toBeInstanceOf(UnknownCompetitionError);
    expect((withCheckout as Error).message).toMatch(/^unknown competition "no-such-thing" \(known: .*sotu-authorship.*\)/);
    expect((withCheckout as Error).message).toContain(`looked in ${competitionsDir} and the MLE-bench checkout ${CHECKOUT}`);

    const saved = process.env.MLEBENCH_REPO;
    delete process.env.MLEBENCH_REPO;
    try {
      const without = await resolveCompetitionSource(MLEBENCH_ID, { competitionsDir }).catch((e: unknown) => e);
      expect(without).toBeInstanceOf(UnknownCompetitionError);
      expect((without as Error).message).toContain(`looked in ${competitionsDir} and no MLE-bench checkout (MLEBENCH_REPO is not set)`);
    } finally {
      if (saved !== undefined) process.env.MLEBENCH_REPO = saved;
    }
  });

  it('a descriptor opens the source it recorded; an MLE-bench one without that checkout says so', async () => {
    expect((await openCompetitionSource(MLEBENCH_ID, { kind: 'mlebench' }, { checkout: CHECKOUT })).kind).toBe('mlebench');
    expect((await openCompetitionSource(BUNDLED_ID, { kind: 'bundled' }, { competitionsDir })).kind).toBe('bundled');
    const elsewhere = await tmpDir('empty-checkout');
    await fs.cp(CHECKOUT, elsewhere, { recursive: true });
    await fs.rm(path.join(elsewhere, 'mlebench', 'competitions', MLEBENCH_ID), { recursive: true });
    const err = await openCompetitionSource(MLEBENCH_ID, { kind: 'mlebench' }, { checkout: elsewhere }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownCompetitionError);
    expect((err as Error).message).toContain(
      `planned as an MLE-bench competition, but the MLE-bench checkout ${elsewhere} does not list it`,
    );
    // A bundled descriptor never consults the checkout.
    expect((await competitionSourceFor(BUNDLED_ID, { source: { kind: 'bundled' }, checkout: elsewhere })).kind).toBe('bundled');
  });

  it('the plan records each run’s source', async () => {
    const saved = process.env.MLEBENCH_REPO;
    process.env.MLEBENCH_REPO = CHECKOUT;
    try {
      const dataDir = await tmpDir('plan-data');
      await fs.cp(path.join(CHECKOUT, 'raw', MLEBENCH_ID), path.join(dataDir, MLEBENCH_ID, 'raw'), { recursive: true });
      const paths = { ...harnessPaths(), dataDir, runsDir: await tmpDir('plan-runs') };
      const options = parseRunOptions({ agentId: 'dummy', competitions: [BUNDLED_ID, MLEBENCH_ID] });
      const plan = await createRunGroupPlan('g-source', options, new Date('2026-01-01T00:00:00Z'), paths);
      expect(plannedRuns(plan).map((r) => [r.competitionId, r.source])).toEqual([
        [BUNDLED_ID, { kind: 'bundled' }],
        [MLEBENCH_ID, { kind: 'mlebench' }],
      ]);
    } finally {
      if (saved === undefined) delete process.env.MLEBENCH_REPO;
      else process.env.MLEBENCH_REPO = saved;
    }
  });
});

describe('the bundled source', () => {
  it('prepares, checks, grades and reports an ungraded run', async () => {
    const dataDir = await tmpDir('bundled-data');
    const source = await resolveCompetitionSource(BUNDLED_ID, { competitionsDir });
    expect(await source.dataProblem(dataDir)).toBeUndefined();
    expect(await source.isPrepared(dataDir)).toBe(false);
    const prepared = await source.prepare({ dataDir });
    expect(await source.isPrepared(dataDir)).toBe(true);

    // The sample submission is valid; a wrong header is not, and the check says why.
    const sample = { dataDir, submissionPath: prepared.sampleSubmissionPath };
    expect(await source.checkSubmission(sample)).toEqual({ valid: true });
    const graded = await source.gradeSubmission(sample);
    expect(graded).toMatchObject({ competition_id: BUNDLED_ID, valid_submission: true, is_lower_better: true });
    expect(typeof graded.score).toBe('number');

    const { header, rows } = await readCsvFile(prepared.sampleSubmissionPath);
    const broken = path.join(dataDir, 'broken.csv');
    await fs.writeFile(broken, toCsv(['id', ...header.slice(1).map((h) => `${h}_x`)], rows));
    const check = await source.checkSubmission({ dataDir, submissionPath: broken });
    expect(check.valid).toBe(false);
    expect(check.reason).toBeTruthy();

    const ungraded = await source.ungradedReport('infra_error: host lost');
    expect(ungraded).toMatchObject({ competition_id: BUNDLED_ID, score: null, submission_exists: false, error: 'infra_error: host lost' });
    expect(ungraded.gold_threshold).toBe(graded.gold_threshold);
  });
});

describe('the MLE-bench source', () => {
  it('says when its raw data is missing, is not prepared in an empty data folder, and reports an ungraded run', async () => {
    const source = await resolveCompetitionSource(MLEBENCH_ID, { competitionsDir, checkout: CHECKOUT });
    const empty = await tmpDir('mlebench-empty');
    const problem = await source.dataProblem(empty);
    expect(problem).toBeInstanceOf(CompetitionDataMissingError);
    expect(problem!.message).toContain(path.join(empty, MLEBENCH_ID, 'raw'));
    expect(await source.isPrepared(empty)).toBe(false);

    const withRaw = await tmpDir('mlebench-raw');
    await fs.cp(path.join(CHECKOUT, 'raw', MLEBENCH_ID), path.join(withRaw, MLEBENCH_ID, 'raw'), { recursive: true });
    expect(await source.dataProblem(withRaw)).toBeUndefined();

    const ungraded = await source.ungradedReport('cancelled');
    expect(ungraded).toMatchObject({ competition_id: MLEBENCH_ID, score: null, valid_submission: false, error: 'cancelled' });
    expect(ungraded.median_threshold).toEqual(expect.any(Number));
  });
});
