/**
 * The shape every run shares, competition or technique task: prepare the data the agent sees,
 * run the agent in its container, grade what it wrote, persist the record. Every ending — success,
 * the agent's failure, infrastructure, cancellation — is written to the run's `run.json`.
 */
import { CancellationScope, isCancellation, patched, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ClaimedHost, RunAgentResult } from '../activities';
import type { Outcome } from '../core/outcomes';
import type { AgentContainerResult } from '../core/sandbox/types';
import type { CompetitionRunInput, CompetitionRunResult, DeadHost, RunPhase, RunResult, TechniqueRunResult } from '../core/runs/types';
import { decideOutcome, shouldRetryAgent, type GradedSubmission } from '../core/runs/outcome';
import type { TechniqueTask } from '../core/techniques/types';
import { MAX_HOST_RESTARTS, PATCHES, QUERIES, SEARCH_ATTRIBUTES } from '../temporal/contract';
import { agentStepOptions, claimHost, hostLiveness, persistArtifacts, runAgent } from './activityOptions';
import { describeFailure, hostLostReason, noWorkerTookStep, vanishedContainerOf } from './failures';

export interface RunSteps<G extends GradedSubmission> {
  /** What the agent works on (e.g. `spambase`, `leakage on spambase`), for summaries. */
  subject: string;
  task?: TechniqueTask;
  /** Prepares the data; returns the folder mounted at /home/data. */
  prepare(): Promise<string>;
  grade(): Promise<G>;
  /** The run's kind and its grade's part of the run record. */
  recordGrade(grade: G | null): RunGradePart;
}

/** What a run's kind adds to its record: how it was graded. */
export type RunGradePart =
  | Pick<CompetitionRunResult, 'kind' | 'score' | 'medal' | 'aboveMedian' | 'grade'>
  | Pick<TechniqueRunResult, 'kind' | 'task' | 'score' | 'techniqueGrade'>;

export async function runAgentSteps<G extends GradedSubmission>(input: CompetitionRunInput, steps: RunSteps<G>): Promise<RunResult> {
  const { workflowId: runId } = workflowInfo();
  const startedAt = new Date().toISOString();
  let phase: RunPhase = 'preparing';
  setHandler(QUERIES.phase, () => phase);
  let container: AgentContainerResult | null = null;
  let llm: RunResult['llm'];
  const previousContainers: AgentContainerResult[] = [];
  let host: ClaimedHost | undefined;
  const deadHosts: DeadHost[] = [];
  let grade: G | null = null;
  let vanished: RunResult['vanishedContainer'];
  // A query adds no command: histories replay unchanged.
  setHandler(QUERIES.placement, () => ({ attempt: previousContainers.length + deadHosts.length, ...(host ? { host: host.hostId } : {}) }));

  const finish = async (outcome: Outcome, reason?: string): Promise<RunResult> => {
    phase = 'persisting';
    const result: RunResult = {
      runId,
      groupId: input.groupId,
      agentId: input.agentId,
      competitionId: input.competitionId,
      seed: input.seed,
      runDir: input.runDir,
      outcome,
      reason,
      ...steps.recordGrade(grade),
      timings: { startedAt, finishedAt: new Date().toISOString(), agentSecs: agentSeconds(container) },
      container,
      ...(llm ? { llm } : {}),
      ...(previousContainers.length ? { agentRetries: previousContainers.length, previousContainers } : {}),
      ...(host ? { host: host.hostId } : {}),
      ...(deadHosts.length ? { hostRestarts: deadHosts.length, deadHosts } : {}),
      ...(vanished ? { vanishedContainer: vanished } : {}),
      ...(input.arm ? { arm: input.arm } : {}),
      ...(input.context ? { context: input.context } : {}),
    };
    await persistArtifacts.executeWithOptions({ summary: `record ${outcome}` }, [result]);
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.outcome, value: outcome }]);
    phase = 'done';
    return result;
  };

  try {
    const publicDataDir = await steps.prepare();

    phase = 'running_agent';
    // Several Docker hosts: a live worker claims the run for its host, and the agent step goes to
    // that host's task queue (histories from before host queues ran it on the shared queue).
    const claimsHost = patched(PATCHES.hostQueues);
    // Each container holds an agent slot on its host from its claim (which waits for a free one)
    // until it is gone (histories from before slots claimed once, a slot-less host).
    const claimsSlots = claimsHost && patched(PATCHES.hostSlots);
    let holdsSlot = false;
    // A container killed from outside is replaced by a fresh one, as many times as the agent's
    // `retries` allows; a host that stops answering is replaced by another host with a fresh
    // container, which is not the agent's failure. The container's number (retries + lost hosts)
    // names it, so re-attaching finds the right one.
    for (;;) {
      const retry = previousContainers.length;
      const attempt = retry + deadHosts.length;
      if (claimsHost && (claimsSlots ? !holdsSlot : !host)) {
        const lost = deadHosts.at(-1);
        host = await claimHost.executeWithOptions(
          { summary: lost ? `claim a host instead of ${lost.host}` : `claim a host${claimsSlots ? ' slot' : ''}` },
          claimsSlots ? [{ runId, agentId: input.agentId, ...(input.agentGit ? { agentGit: input.agentGit } : {}), attempt }] : [],
        );
        holdsSlot = claimsSlots;
      }
      const on = host;
      let ran: RunAgentResult;
      try {
        ran = await runAgent.executeWithOptions(
          {
            summary: `${input.agentId} works on ${steps.subject} (limit ${input.timeLimitSecs}s)${retry ? `, retry ${retry}` : ''}${on ? ` on ${on.hostId}` : ''}`,
            ...agentStepOptions(input, on),
          },
          [
            {
              ...input,
              runId,
              publicDataDir,
              ...(steps.task ? { techniqueTask: steps.task } : {}),
              ...(attempt ? { attempt } : {}),
              ...(on ? { host: on.hostId } : {}),
              ...(on?.gpus?.length ? { gpus: on.gpus } : {}),
            },
          ],
        );
      } catch (err) {
        let lost = on && hostLostReason(err, on);
        if (!on || !lost || deadHosts.length >= MAX_HOST_RESTARTS) throw err;
        if (claimsSlots && noWorkerTookStep(err)) {
          // A host is dead when its worker stopped polling, not when a step waited: a live one keeps the run (and its slot).
          const { alive, lastPollSecsAgo } = await hostLiveness.executeWithOptions({ summary: `is host ${on.hostId} alive?` }, [on]);
          if (alive) continue;
          lost +=
            lastPollSecsAgo === null
              ? ', and nothing polls its queue'
              : `, and its queue was last polled ${Math.round(lastPollSecsAgo)} s ago`;
        }
        deadHosts.push({ host: on.hostId, reason: lost, at: new Date().toISOString() });
        host = undefined;
        holdsSlot = false;
        continue;
      }
      // The container is gone, and its slot given back (runAgent): the next one claims again.
      holdsSlot = false;
      container = ran;
      llm = ran.llm;
      // Histories recorded before retries existed carry no `retriesAllowed`: none.
      if (!shouldRetryAgent(ran, retry, ran.retriesAllowed ?? 0)) break;
      previousContainers.push(ran);
    }

    phase = 'grading';
    grade = await steps.grade();
    const { outcome, reason } = decideOutcome(container, grade, llm);
    return await finish(outcome, reason);
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => finish('cancelled', 'the run was cancelled'));
      throw err;
    }
    // Whatever is left after retries is the harness's failure, never the agent's.
    vanished = vanishedContainerOf(err);
    return await finish('infra_error', describeFailure(err));
  }
}

function agentSeconds(container: AgentContainerResult | null): number | null {
  if (!container) return null;
  return (Date.parse(container.finishedAt) - Date.parse(container.startedAt)) / 1000;
}
