/**
 * Grading one technique run: the predictions against the answers, the analysis against the
 * planted truth, each criterion scored 0..1 and weighted. A missing or invalid file is part of
 * the grade (its criteria score 0, with the reason); problems of the harness throw.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { harnessPaths } from '../config';
import { readCsvFile } from '../csv';
import { column } from './data';
import { readAnalysis } from './agentFiles';
import { checkPredictions, type Ceiling, type PredictionTruth } from './predictions';
import { loadPreparedTechnique, type TechniquePrepareOptions, type TechniqueRunKey } from './prepare';
import { analysisFileName, taskDefinition } from './registry';
import { totalScore } from './scoring';
import type { TechniqueGrade } from './types';

export interface TechniqueGradeInput extends TechniqueRunKey {
  /** The folder holding submission.csv and the analysis (a run's submission/). */
  submissionDir: string;
}

export async function gradeTechniqueSubmission(input: TechniqueGradeInput, options: TechniquePrepareOptions = {}): Promise<TechniqueGrade> {
  const prepared = await loadPreparedTechnique(input, options);
  const { truth: truthFile } = prepared;
  const definition = taskDefinition(input.task);
  const answersFile = path.join(prepared.privateDir, 'answers.csv');
  const [answers, test] = await Promise.all([readCsvFile(answersFile), readCsvFile(path.join(prepared.publicDir, 'test.csv'))]);
  const classification = truthFile.problem !== 'regression';
  const ys = column(answers, truthFile.target_column);
  const truth: PredictionTruth = {
    problem: truthFile.problem,
    ids: column(answers, truthFile.id_column),
    labels: classification ? ys : [],
    values: classification ? new Float64Array(0) : Float64Array.from(ys, Number),
    classes: truthFile.labels,
    ceiling: await ceilingOf(input.competitionId, truthFile.source_checksum),
  };

  const submissionPath = path.join(input.submissionDir, 'submission.csv');
  const analysisPath = path.join(input.submissionDir, analysisFileName(input.task));
  const [predictions, analysis] = await Promise.all([
    checkPredictions(submissionPath, { idColumn: truthFile.id_column, targetColumn: truthFile.target_column, truth }),
    readAnalysis(analysisPath, definition.analysisSchema),
  ]);
  const criteria = await definition.grade({
    truth: truthFile.truth,
    analysis: analysis.ok ? analysis.value : undefined,
    analysisProblem: analysis.ok ? undefined : analysis.reason,
    predictions,
    submissionDir: input.submissionDir,
    test,
    problem: truthFile.problem,
    labels: truthFile.labels,
  });
  const error = !predictions.valid ? predictions.reason : !analysis.ok ? analysis.reason : undefined;
  return {
    task: input.task,
    competition_id: input.competitionId,
    seed: input.seed,
    score: totalScore(criteria),
    criteria,
    submission_exists: predictions.valid || predictions.exists,
    valid_submission: predictions.valid,
    analysis_exists: analysis.ok || analysis.exists,
    valid_analysis: analysis.ok,
    ...(error ? { error } : {}),
    submission_path: submissionPath,
    analysis_path: analysisPath,
    created_at: new Date().toISOString(),
  };
}

/** Per competition, what a strong standard model attains on its data (techniques/attainable.py). */
export const ATTAINABLE_FILE = 'attainable.json';

/**
 * The competition's ceiling for the predictions criteria, when one was measured on exactly the
 * data this run was planted from; otherwise none (the scale then ends at perfect predictions).
 */
export async function ceilingOf(competitionId: string, sourceChecksum: string): Promise<Ceiling | undefined> {
  const file = path.join(harnessPaths().techniquesDir, ATTAINABLE_FILE);
  const all = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, Ceiling | undefined>;
  const ceiling = all[competitionId];
  return ceiling?.source_checksum === sourceChecksum ? ceiling : undefined;
}
