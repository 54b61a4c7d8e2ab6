/** The shapes that flow between the workflows, the activities and the clients. Types only. */
import type { LlmBudget, RunOptions } from '../options';
import type { Outcome } from '../outcomes';
import type { CompetitionReport } from '../grading/report';
import type { AgentContainerResult } from '../sandbox/types';
import type { LlmUsageRecord } from '../gateway/runAccess';
import type { CompetitionSourceDescriptor } from '../competitions/source';
import type { SkippedTechniqueRun, TechniqueGrade, TechniqueTask } from '../techniques/types';

export type Medal = 'gold' | 'silver' | 'bronze';

/** One competition (or technique task × competition) × seed of a group, as planned before anything runs. */
export interface PlannedRun {
  runId: string;
  competitionId: string;
  /** Set for a technique run: the task planted in the competition's data. */
  task?: TechniqueTask;
  seed: number;
  runDir: string;
  /** Where its competition comes from, decided when the group was planned; absent in plans made before it was recorded. */
  source?: CompetitionSourceDescriptor;
}

export interface RunGroupPlan {
  groupId: string;
  agentId: string;
  groupDir: string;
  startedAt: string;
  options: RunOptions;
  runs: PlannedRun[];
  /** Technique task × competition pairs that do not apply, with why: reported, not run. */
  skipped: SkippedTechniqueRun[];
}

/** The input of one `competitionRun` child workflow. */
export interface CompetitionRunInput {
  groupId: string;
  agentId: string;
  competitionId: string;
  seed: number;
  runDir: string;
  /** The planned run's competition source (absent for runs planned before it was recorded: decided again then). */
  source?: CompetitionSourceDescriptor;
  timeLimitSecs: number;
  /** Tries of the agent step on infrastructure failures (run option `infraAttempts`; default 10). */
  infraAttempts?: number;
  /** Run options `llmBudget` and `stepLimit`, when given. */
  llmBudget?: LlmBudget;
  stepLimit?: number;
}

/** The input of one `techniqueRun` child workflow. */
export interface TechniqueRunInput extends CompetitionRunInput {
  task: TechniqueTask;
}

/** A host a run lost: its id, why it counts as dead, when the workflow gave up on it. */
export interface DeadHost {
  host: string;
  reason: string;
  at: string;
}

export type RunPhase = 'pending' | 'preparing' | 'running_agent' | 'grading' | 'persisting' | 'done';

/** What one run ended as; also the body of its `run.json`. */
export interface RunResult {
  runId: string;
  groupId: string;
  agentId: string;
  competitionId: string;
  /** Set for a technique run. */
  task?: TechniqueTask;
  seed: number;
  runDir: string;
  outcome: Outcome;
  /** Why the outcome is not `succeeded` (exit code, time limit, invalid submission reason, infra message). */
  reason?: string;
  score: number | null;
  medal: Medal | null;
  aboveMedian: boolean;
  timings: { startedAt: string; finishedAt: string; agentSecs: number | null };
  container: AgentContainerResult | null;
  /**
   * Fresh containers started after one was killed from outside (agent config `retries`); the
   * killed ones' results, in order, are in `previousContainers` and their files in attempts/<n>/.
   */
  agentRetries?: number;
  previousContainers?: AgentContainerResult[];
  /** The Docker host (worker host id) whose container the run's result comes from, when hosts are claimed. */
  host?: string;
  /**
   * Fresh starts on another host after the run's host stopped answering (never the agent's
   * failure); each lost host, why and when is in `deadHosts`, its container's files in attempts/<n>/.
   */
  hostRestarts?: number;
  deadHosts?: DeadHost[];
  /** An LLM agent's use of the gateway: requests, tokens, dollars, its budget and whether that ran out. */
  llm?: LlmUsageRecord;
  /** A competition run's grade (null for a technique run, or when not graded). */
  grade: CompetitionReport | null;
  /** A technique run's grade: `score` is its 0..1 total. */
  techniqueGrade?: TechniqueGrade | null;
}

export interface RunProgress {
  runId: string;
  competitionId: string;
  task?: TechniqueTask;
  seed: number;
  phase: RunPhase;
  outcome?: Outcome;
  score?: number | null;
  medal?: Medal | null;
}

/** The `progress` query of a run group. */
export interface GroupProgress {
  groupId: string;
  agentId: string;
  groupDir: string | null;
  status: 'planning' | 'running' | 'finalizing' | 'completed' | 'cancelled';
  total: number;
  done: number;
  running: number;
  medals: number;
  runs: RunProgress[];
}

/** What `runGroup` returns. */
export interface RunGroupResult {
  groupId: string;
  agentId: string;
  groupDir: string;
  status: 'completed' | 'cancelled';
  runs: RunResult[];
  /** Technique task × competition pairs not run because the task does not apply. */
  skipped?: SkippedTechniqueRun[];
}
