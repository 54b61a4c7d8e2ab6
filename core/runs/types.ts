/** The shapes that flow between the workflows, the activities and the clients. Types only. */
import type { Arm, LlmBudget, RunContext, RunOptions } from '../options';
import type { Outcome } from '../outcomes';
import type { CompetitionReport } from '../grading/report';
import type { AgentContainerResult } from '../sandbox/types';
import type { LlmUsageRecord } from '../gateway/runAccess';
import type { CompetitionSourceDescriptor } from '../competitions/source';
import type { GitAgentSource } from '../agents/gitSource';
import type { SkippedTechniqueRun, TechniqueGrade, TechniqueTask } from '../techniques/types';

export type Medal = 'gold' | 'silver' | 'bronze';

/**
 * What a run is: an agent on a competition (graded by its metric, ranked for medals) or on a
 * technique task planted in a competition's data (graded by the task's criteria). Carried by the
 * planned run, its result and the group's plan; decided once, from the options (`runKindOf`).
 */
export type RunKind = 'competition' | 'technique';

interface PlannedRunBase {
  runId: string;
  competitionId: string;
  seed: number;
  runDir: string;
  /** Where its competition comes from, decided when the group was planned; absent in plans made before it was recorded. */
  source?: CompetitionSourceDescriptor;
  /** The experiment arm it belongs to (options `arms`); absent outside experiments. */
  arm?: Arm;
}

/** One competition × seed of a group, as planned before anything runs. */
export interface PlannedCompetitionRun extends PlannedRunBase {
  kind: 'competition';
}

/** One technique task × competition × seed of a group. */
export interface PlannedTechniqueRun extends PlannedRunBase {
  kind: 'technique';
  /** The task planted in the competition's data. */
  task: TechniqueTask;
}

export type PlannedRun = PlannedCompetitionRun | PlannedTechniqueRun;

interface RunGroupPlanBase {
  groupId: string;
  agentId: string;
  /** Where the agent comes from when not agents/: its repository, ref and the commit every run uses. */
  agentGit?: GitAgentSource;
  groupDir: string;
  startedAt: string;
  options: RunOptions;
}

/**
 * A group's plan, as small as its list of competitions: each run (id, folder) is derived from it
 * by `plannedRuns` (core/runs/planned.ts), so the plan stays a small payload however many seeds.
 */
export interface CompetitionGroupPlan extends RunGroupPlanBase {
  kind: 'competition';
  competitionIds: string[];
  /** Where each competition comes from, decided when the group was planned (absent in plans made before). */
  sources?: Record<string, CompetitionSourceDescriptor>;
}

/** A technique task on a competition where it applies: one run per seed. */
export interface TechniquePair {
  task: TechniqueTask;
  competitionId: string;
}

export interface TechniqueGroupPlan extends RunGroupPlanBase {
  kind: 'technique';
  pairs: TechniquePair[];
  /** Technique task × competition pairs that do not apply, with why: reported, not run. */
  skipped: SkippedTechniqueRun[];
}

export type RunGroupPlan = CompetitionGroupPlan | TechniqueGroupPlan;

/** The input of one `competitionRun` child workflow. */
export interface CompetitionRunInput {
  groupId: string;
  agentId: string;
  /** The agent's git source, pinned to its commit (run option `agentGit`). */
  agentGit?: GitAgentSource;
  competitionId: string;
  seed: number;
  runDir: string;
  /** The planned run's competition source (absent for runs planned before it was recorded: decided again then). */
  source?: CompetitionSourceDescriptor;
  timeLimitSecs: number;
  /** Tries of the agent step on infrastructure failures (run option `infraAttempts`; default: as many as the run's deadline allows). */
  infraAttempts?: number;
  /** Run options `llmBudget` and `stepLimit`, when given. */
  llmBudget?: LlmBudget;
  stepLimit?: number;
  /** The experiment arm of the run (options `arms`), recorded in its run.json. */
  arm?: Arm;
  /** The run option `context` (none for an experiment's plain arm): added to the agent's instructions. */
  context?: RunContext;
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

/**
 * Where a run's agent container belongs now: its container number (agent retries + lost hosts)
 * and, once claimed, its host. A container with other labels is a leftover (core/sandbox/reaper.ts).
 */
export interface RunPlacement {
  attempt: number;
  host?: string;
}

export type RunPhase = 'pending' | 'preparing' | 'running_agent' | 'grading' | 'persisting' | 'done';

/** What one run ended as, whatever its kind; with its kind's grade it is the body of its `run.json`. */
interface RunResultBase {
  runId: string;
  groupId: string;
  agentId: string;
  competitionId: string;
  seed: number;
  runDir: string;
  outcome: Outcome;
  /** Why the outcome is not `succeeded` (exit code, time limit, invalid submission reason, infra message). */
  reason?: string;
  /** A competition run's metric score; a technique run's 0..1 grade; null when not graded. */
  score: number | null;
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
  /**
   * The run's started container was gone, with no saved result, when a worker came back to
   * re-attach (removed from outside while no worker watched it): the run ends `infra_error` rather
   * than silently start a fresh one with a new full time limit.
   */
  vanishedContainer?: VanishedContainer;
  /** An LLM agent's use of the gateway: requests, tokens, dollars, its budget and whether that ran out. */
  llm?: LlmUsageRecord;
  /** The experiment arm the run belongs to (`plain`, `injected`); absent outside experiments. */
  arm?: Arm;
  /** The context its agent was shown (added to its instructions); absent when none. */
  context?: RunContext;
}

/** A run's container that disappeared unwatched: its id and how long its agent had worked when last seen. */
export interface VanishedContainer {
  containerId: string;
  /** The agent's elapsed seconds at the last heartbeat that saw the container. */
  lastSeenElapsedSecs: number;
}

export interface CompetitionRunResult extends RunResultBase {
  kind: 'competition';
  medal: Medal | null;
  aboveMedian: boolean;
  /** The competition's grading report of the submission (null when not graded). */
  grade: CompetitionReport | null;
}

export interface TechniqueRunResult extends RunResultBase {
  kind: 'technique';
  task: TechniqueTask;
  /** The task's grade: `score` is its 0..1 total (null when not graded). */
  techniqueGrade: TechniqueGrade | null;
}

export type RunResult = CompetitionRunResult | TechniqueRunResult;

export interface RunProgress {
  runId: string;
  competitionId: string;
  task?: TechniqueTask;
  seed: number;
  arm?: Arm;
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

/** How a group's runs ended, in counts: what the finalize step and `runGroup` return. */
export interface GroupTotals {
  total: number;
  outcomes: Partial<Record<Outcome, number>>;
  medals: number;
}

/**
 * What `runGroup` returns: counts and the group's folder, whose run.json files are the runs'
 * records (a result that carried every run would outgrow Temporal's payload limit).
 */
export interface RunGroupResult extends Partial<GroupTotals> {
  groupId: string;
  agentId: string;
  /** Absent in results of groups recorded before kinds (`groupKindOf` defaults it). */
  kind?: RunKind;
  groupDir: string;
  status: 'completed' | 'cancelled';
  /** Every run's record, in results recorded before they travelled by reference only. */
  runs?: RunResult[];
  /** Technique task × competition pairs not run because the task does not apply. */
  skipped?: SkippedTechniqueRun[];
}
