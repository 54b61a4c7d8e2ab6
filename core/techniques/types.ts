/**
 * Technique tasks: the contract every task module fulfils. A task plants a known property in a
 * tabular competition's prepared data (`plant`), so the harness knows the truth, and grades what
 * the agent wrote against it (`grade`) with a documented, weighted list of criteria.
 */
import type { z } from 'zod';
import type { TechniqueTask } from '../options';
import type { CsvTable } from '../csv';
import type { PredictionCheck } from './predictions';

export type { TechniqueTask };

/** What a competition's target is, from its metric: labels or probabilities → classes; values → regression. */
export type Problem = 'binary' | 'multiclass' | 'regression';

/** A tabular competition's prepared data, loaded: what a task transforms. */
export interface TabularData {
  competitionId: string;
  competitionName: string;
  idColumn: string;
  targetColumn: string;
  problem: Problem;
  /** Classification: every class label as the answers spell it, sorted. Empty for regression. */
  labels: string[];
  /** The columns of train.csv other than the id and the target, in file order. */
  featureColumns: string[];
  /** id, features…, target (train.csv's columns and order). */
  train: CsvTable;
  /** id, features… (test.csv). */
  test: CsvTable;
  /** id, target, one row per test row in test.csv's order. */
  answers: CsvTable;
}

/** What a task's `plant` returns: the data the agent will see, the answers, and the planted truth. */
export interface PlantedData<Truth> {
  /** id, features…, target. */
  train: CsvTable;
  /** id, features… */
  test: CsvTable;
  /** id, target: one row per test row, in test's order. */
  answers: CsvTable;
  /** The planted property: written to private/truth.json, read back by `grade`. JSON only. */
  truth: Truth;
  /** Facts an agent needs that are not in the data (e.g. the CV metric); shown in task.json. */
  facts?: Record<string, string | number | boolean>;
}

/** One graded criterion. The grade is Σ weight × score over a task's criteria (weights sum to 1). */
export interface Criterion {
  /** Stable, snake_case (`minority_fraction`, `leaky_recall`). */
  name: string;
  weight: number;
  /** 0..1. */
  score: number;
  /** What was compared, in words a person can check (`estimated 0.031, planted 0.030 (±10%)`). */
  detail: string;
}

export interface GradeInput<Truth, Analysis> {
  truth: Truth;
  /** The parsed `<task>_analysis.json`; undefined when missing or invalid (`analysisProblem` says why). */
  analysis: Analysis | undefined;
  analysisProblem?: string;
  /** submission.csv checked against the answers. */
  predictions: PredictionCheck;
  /** The agent's submission folder, for the task's extra files (read them with readAgentFile). */
  submissionDir: string;
  /** The planted test set (id, features…), as the agent saw it. */
  test: CsvTable;
  problem: Problem;
  labels: string[];
}

export interface TechniqueTaskDefinition<Truth = unknown, Analysis = unknown> {
  id: TechniqueTask;
  /** One line for `mlebench list --techniques`. */
  title: string;
  /** The kinds of target it works on; it applies to tabular competitions of these problems only. */
  problems: readonly Problem[];
  /** Files the task asks for in /home/submission besides submission.csv and the analysis. */
  extraFiles?: readonly string[];
  /** The analysis file's schema; its fields are documented in techniques/<task>/description.md. */
  analysisSchema: z.ZodType<Analysis>;
  /** Deterministic in `random` (seeded per task × competition × seed); never Math.random. */
  plant(data: TabularData, random: () => number): PlantedData<Truth>;
  grade(input: GradeInput<Truth, Analysis>): Criterion[] | Promise<Criterion[]>;
}

/** One technique run's grade; an entry of technique_grades.json and the `techniqueGrade` of its run.json. */
export interface TechniqueGrade {
  task: TechniqueTask;
  competition_id: string;
  seed: number;
  /** Σ weight × criterion score, 0..1, rounded to 4 decimals. */
  score: number;
  criteria: Criterion[];
  submission_exists: boolean;
  valid_submission: boolean;
  analysis_exists: boolean;
  valid_analysis: boolean;
  /** Why the submission (or else the analysis) is missing or invalid; absent when both are fine. */
  error?: string;
  submission_path: string;
  analysis_path: string;
  created_at: string;
}

/** A task × competition pair the group did not run, and why (the task does not apply). */
export interface SkippedTechniqueRun {
  task: TechniqueTask;
  competition_id: string;
  reason: string;
}
