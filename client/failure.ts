/**
 * Why a run group failed, for a person: a Temporal failure's cause chain (WorkflowFailedError →
 * ActivityFailure → ApplicationFailure …) walked to its root, and what to do about it. Used by the
 * CLI (stderr), the SDK's summary, the REST API and the results page (through the API).
 */
import { failureChain } from '../workflows/failures';

export interface FailureExplanation {
  /** The root cause, with its type when it has one: `UnknownCompetitionError: …`. */
  message: string;
  /** The chain from the outermost failure to the root, one line each. */
  causes: string[];
  /** The root's ApplicationFailure type (the harness error's class name), when it has one. */
  type: string | null;
  /** What to do, for the failures the harness knows; null otherwise. */
  hint: string | null;
}

/** The failures a worker set up unlike the terminal gives, and what to do: keyed by the error's class name. */
const HINTS: Record<string, string> = {
  UnknownCompetitionError:
    'the worker that ran this group does not know the competition: start the worker with the same MLEBENCH_REPO (the MLE-bench checkout) and MLEBENCH_COMPETITIONS_DIR as the terminal that started it',
  CompetitionDataMissingError:
    "the competition is not prepared where the worker runs: run `mlebench prepare -c <id>` on the worker's host, or start the worker with MLEBENCH_DATA_DIR pointing at the prepared data",
  PreparedDataChangedError:
    "the prepared data changed under a run: prepare it again (`mlebench prepare --force -c <id>` on the worker's host) and start the group again",
  InvalidMleBenchCheckoutError:
    "fix the MLE-bench checkout the worker's MLEBENCH_REPO points at (its problems are named above), or unset it",
  UnknownAgentError: 'the worker does not know this agent: `mlebench list agents` on the worker, and the same checkout as the terminal',
  AgentConfigError: "fix the agent's config.yaml (the field is named above)",
  InvalidRunOptionsError:
    "fix the named option and start the group again; if the terminal's own check passed, the worker sees other competitions or data than the terminal: start it with the terminal's MLEBENCH_REPO, MLEBENCH_COMPETITIONS_DIR and MLEBENCH_DATA_DIR",
  LlmGatewayUnavailableError: 'start the worker with OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server) so its LLM gateway runs',
  UntrustedPathError:
    "the workflow's input names a path outside the worker's folders: start the worker with the terminal's MLEBENCH_RUNS_DIR and MLEBENCH_DATA_DIR",
};

export function explainFailure(err: unknown): FailureExplanation {
  const { lines: causes, type, timedOut } = failureChain(err);
  const hint =
    (type && HINTS[type]) ??
    (timedOut
      ? 'no worker finished the step in time: is a worker (`mlebench worker`) running against this Temporal, and is it healthy?'
      : null);
  // The outer lines ("Workflow execution failed", "activity … failed") say where; the root says why.
  return { message: causes.at(-1)!, causes, type, hint };
}

/** The explanation as the terminal prints it: the root, the chain that led there, what to do. */
export function formatFailure(f: FailureExplanation): string {
  const chain = f.causes.length > 1 ? `\n  where: ${f.causes.slice(0, -1).join(' → ')}` : '';
  return `${f.message}${chain}${f.hint ? `\n  what to do: ${f.hint}` : ''}`;
}
