/**
 * Discrimination on hpc-job-class, whose noisy target keeps every model far below perfect: the
 * files technique-reference and its naive variant wrote in the real harness (seed 1, kept in
 * test/fixtures/techniques/hpc-job-class/) graded again by today's grader on freshly planted
 * data. The reference must keep >= 0.9 and the naive <= 0.3 (docs/techniques.md); a grading
 * change that scaled predictions to perfect again, or a plant that drifted, fails here.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../core/config';
import { gradeTechniqueSubmission } from '../../../core/techniques';
import type { TechniqueTask } from '../../../core/options';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'techniques', 'hpc-job-class');
const TASKS: TechniqueTask[] = ['imbalance', 'scaling', 'leakage'];
let dataDir: string;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-hpc-techniques-'));
});

afterAll(async () => {
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
});

describe.each(TASKS)('%s on hpc-job-class, seed 1', (task) => {
  it('grades the reference agent >= 0.9 and the naive variant <= 0.3', async () => {
    const key = { task, competitionId: 'hpc-job-class', seed: 1 };
    const reference = await gradeTechniqueSubmission({ ...key, submissionDir: path.join(FIXTURES, task, 'reference') }, { dataDir });
    expect(reference.valid_submission && reference.valid_analysis, reference.error).toBe(true);
    expect(reference.score, JSON.stringify(reference.criteria)).toBeGreaterThanOrEqual(0.9);
    const predictions = reference.criteria.find((c) => c.name === 'predictions');
    // imbalance's scale ends lower: seed 1 cuts class 2 to 65 rows, and at the harshest cut (34
    // rows) prior-corrected models reach 0.6152 (techniques/attainable.json rare_class).
    expect(predictions?.detail).toMatch(
      task === 'imbalance' ? /full credit at 0\.6152 .*34 train rows of class 2/ : /full credit at 0\.7184/,
    );

    const naive = await gradeTechniqueSubmission({ ...key, submissionDir: path.join(FIXTURES, task, 'naive') }, { dataDir });
    expect(naive.valid_submission, naive.error).toBe(true);
    expect(naive.score, JSON.stringify(naive.criteria)).toBeLessThanOrEqual(0.3);
  });
});
