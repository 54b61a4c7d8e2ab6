/** `mlebench run`: start a run group, show each child's progress, then the results. */
import { promises as fs } from 'node:fs';
import { contextFromSources } from './context';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { ARMS, parseRunOptions, TECHNIQUE_TASKS, type Arm, type RunOptionsInput, type TechniqueTask } from '../../core/options';
import { resolveRunRequest } from '../../core/runs/plan';
import { checkedContext } from '../../core/context/build';
import { resolveSplitOrLocalFile } from '../../core/runs/splits';
import { pinAgentOption, resolveRunAgent } from '../../core/agents/gitAgent';
import { isGitAgentSpec } from '../../core/agents/gitSource';
import { harnessPaths } from '../../core/config';
import type { GroupProgress } from '../../core/runs/types';
import { openSession } from './session';
import { formatScore, printJson, resultsTable, runsJson } from './format';
import { readExperimentReport } from '../../core/stats/experimentFile';
import { formatExperiment } from './experiment';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`"${value}" is not a positive number`);
  return n;
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function taskList(value: string): TechniqueTask[] {
  const tasks = list(value);
  const unknown = tasks.filter((t) => !(TECHNIQUE_TASKS as readonly string[]).includes(t));
  if (unknown.length > 0)
    throw new InvalidArgumentError(`unknown technique task ${unknown.join(', ')}; the tasks are ${TECHNIQUE_TASKS.join(', ')}`);
  return tasks as TechniqueTask[];
}

function armList(value: string): Arm[] {
  const arms = list(value);
  const unknown = arms.filter((a) => !(ARMS as readonly string[]).includes(a));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown arm ${unknown.join(', ')}; the arms are ${ARMS.join(', ')}`);
  return arms as Arm[];
}

interface RunFlags {
  agent: string;
  gitAgentId?: string;
  competitions?: string[];
  competitionSet?: string;
  lite?: boolean;
  techniqueTasks?: boolean;
  tasks?: TechniqueTask[];
  seeds?: number;
  maxParallel?: number;
  timeLimit?: number;
  infraAttempts?: number;
  maxTokens?: number;
  maxRequests?: number;
  maxDollars?: number;
  llmUnlimited?: boolean;
  stepLimit?: number;
  arms?: Arm[];
  context?: string;
  contextFrom?: string[];
  notes?: string;
  groupId?: string;
  detach?: boolean;
  json?: boolean;
}

/** `mlebench run`, or `mlebench experiment` (client/cli/experiment.ts): the same command with arms by default and their effect at the end. */
export function runCommand(experiment?: { name: string; description: string; arms: Arm[] }): Command {
  return new Command(experiment?.name ?? 'run')
    .description(experiment?.description ?? 'run an agent on competitions (starts an embedded Temporal and worker when none is running)')
    .requiredOption(
      '-a, --agent <id>',
      'agent id, e.g. dummy, baseline, aide/dev; or an agent from git: git+<url>#<ref>[:<subfolder>] (schemes: MLEBENCH_GIT_SCHEMES)',
    )
    .option('-c, --competitions <ids>', 'comma-separated competition ids', list)
    .option(
      '-s, --competition-set <split>',
      'a split (offline-dev, splits/dev.txt, experiments/splits/low.txt: mlebench list splits) or a split file of yours, one id per line',
    )
    .option('--lite', 'only low-complexity competitions (runs splits/lite.txt when no set is given)')
    .option('--technique-tasks', "run technique tasks on the competitions' data instead of the competitions (mlebench list tasks)")
    .option('--tasks <tasks>', `with --technique-tasks: comma-separated subset of ${TECHNIQUE_TASKS.join(', ')} (default: all)`, taskList)
    .option('--seeds <n>', 'seeds per competition', positiveInt)
    .option('-p, --max-parallel <n>', 'agent containers at once', positiveInt)
    .option('-t, --time-limit <secs>', "each agent's time limit in seconds", positiveInt)
    .option(
      '--infra-attempts <n>',
      "tries of the agent step when the infrastructure (Docker, disk) fails (default: as many as the run's deadline allows)",
      positiveInt,
    )
    .option('--max-tokens <n>', "an LLM agent's token budget per run (over its config's llmBudget)", positiveInt)
    .option('--max-requests <n>', "an LLM agent's request budget per run", positiveInt)
    .option('--max-dollars <usd>', "an LLM agent's dollar budget per run (prices: gateway.yaml)", positiveNumber)
    .option('--llm-unlimited', 'run an LLM agent without a dollar budget (otherwise --max-dollars is required)')
    .option('--step-limit <n>', "the agent's step limit (STEP_LIMIT; e.g. AIDE's steps)", positiveInt)
    .option(
      '--arms <arms>',
      `an experiment's arms, comma-separated of ${ARMS.join(', ')}: each competition × seed runs once per arm, injected with the context${experiment ? ` (default ${experiment.arms.join(',')})` : ''}`,
      armList,
    )
    .option(
      '--context <file>',
      "curated text added to the agent's instructions (/home/instructions.txt), recorded in run.json; in an experiment, the injected arm's only",
    )
    .option(
      '--context-from <source...>',
      'a context built from the technique runs graded >= 0.9 of these run groups (folders or ids) or exports (as mlebench context build)',
    )
    .option('--notes <text>', 'free text kept with the run group')
    .option(
      '--git-agent-id <id>',
      "with a git+ agent: which of its folder's agents, e.g. copier/fast or git.aide/dev (default: the folder's own)",
    )
    .option('--group-id <id>', 'the run-group (workflow) id, used once (an id any workflow already has is refused); generated when absent')
    .option('-d, --detach', 'start the group and return its id (needs a running server and worker)')
    .option('--json', 'print one JSON object at the end instead of tables')
    .action(async (flags: RunFlags) => {
      if (flags.competitions && flags.competitionSet)
        throw new InvalidArgumentError('give either --competitions or --competition-set, not both');
      // A split goes to the workflow by name; a file of the user's own, as the ids it lists.
      const local = flags.competitionSet ? await resolveSplitOrLocalFile(flags.competitionSet, harnessPaths()) : undefined;
      // An agent from git: its ref pinned to a commit, that commit fetched and its config checked, before anything starts.
      if (flags.gitAgentId && !isGitAgentSpec(flags.agent))
        throw new InvalidArgumentError('--git-agent-id goes with --agent git+<url>#<ref>');
      const { agentId, agentGit } = await pinAgentOption(flags.agent, {}, flags.gitAgentId);
      const options: RunOptionsInput = {
        agentId,
        agentGit,
        competitions: local && !local.split ? local.ids : flags.competitions,
        competitionSet: local?.split,
        lite: flags.lite,
        techniqueTasks: flags.techniqueTasks,
        tasks: flags.tasks,
        nSeeds: flags.seeds,
        maxParallel: flags.maxParallel,
        timeLimitSecs: flags.timeLimit,
        infraAttempts: flags.infraAttempts,
        llmBudget: llmBudgetOf(flags),
        llmUnlimited: flags.llmUnlimited,
        stepLimit: flags.stepLimit,
        arms: flags.arms ?? experiment?.arms,
        context: flags.context
          ? await readContextFile(flags.context)
          : flags.contextFrom
            ? await contextFromSources(flags.contextFrom)
            : undefined,
        notes: flags.notes,
      };
      // Validate before starting anything: a typo must not start a server first.
      await resolveRunRequest(parseRunOptions(options), harnessPaths());
      const session = await openSession({ startServer: !flags.detach, worker: flags.detach ? 'never' : 'if-none' });
      try {
        // This process's worker would fail every run of an LLM agent: say so before anything starts.
        if (session.worker && !process.env.OPENAI_API_KEY && (await resolveRunAgent(agentId, agentGit)).llm) {
          throw new Error(
            `agent ${options.agentId} calls an LLM through the harness's gateway: set OPENAI_API_KEY (and OPENAI_BASE_URL for an OpenAI-compatible server such as vLLM, Ollama or llama.cpp) before "mlebench run"`,
          );
        }
        const groupId = await session.client.run(options, { groupId: flags.groupId });
        const url = session.client.webUiUrl(groupId);
        if (flags.detach) {
          if (flags.json) printJson({ run_group_id: groupId, web_ui: url });
          else process.stdout.write(`${groupId}\n`);
          return;
        }
        const say = (line: string) => !flags.json && process.stderr.write(`${line}\n`);
        say(`run group ${groupId} started${url ? ` — ${url}` : ''}`);
        const printer = progressPrinter(say);
        const result = await session.client.waitForCompletion(groupId, { onProgress: printer });
        const summary = await session.client.getRunSummary(groupId);
        // An experiment's effect, from the group folder's run.json files (experiment_report.json holds the same).
        // A worker on another machine keeps the folder there: the results still print, and `experiment-report` reads it where it is.
        const effect = options.arms
          ? await readExperimentReport(result.groupDir).catch((err: Error) => {
              process.stderr.write(
                `mlebench: no experiment report here (${err.message}); run mlebench experiment-report ${groupId} where the runs folder is\n`,
              );
              return undefined;
            })
          : undefined;
        if (flags.json) {
          printJson({
            run_group_id: groupId,
            status: result.status,
            run_group_dir: result.groupDir,
            web_ui: url,
            runs: runsJson(summary.runs),
            ...(summary.techniqueGrades?.skipped.length ? { skipped: summary.techniqueGrades.skipped } : {}),
            ...(effect ? { experiment: effect } : {}),
          });
        } else {
          process.stdout.write(`${resultsTable(summary.kind, summary.runs, summary.techniqueGrades?.skipped)}\n`);
          if (effect) process.stdout.write(`${formatExperiment(effect)}\n`);
          process.stdout.write(`run group: ${groupId} (${result.status})\nartifacts: ${result.groupDir}\n`);
          if (url) process.stdout.write(`web ui:    ${url}\n`);
        }
      } finally {
        await session.close();
      }
    });
}

/** A --context file: its text, named by its file name. */
async function readContextFile(file: string): Promise<NonNullable<RunOptionsInput['context']>> {
  const text = await fs.readFile(file, 'utf8').catch((err: Error) => {
    throw new InvalidArgumentError(`--context ${file}: ${err.message}`);
  });
  return checkedContext({ text, source: path.basename(file) }, `--context ${file}`);
}

function llmBudgetOf(flags: RunFlags): RunOptionsInput['llmBudget'] {
  const budget = { maxTokens: flags.maxTokens, maxRequests: flags.maxRequests, maxDollars: flags.maxDollars };
  return Object.values(budget).some((v) => v !== undefined) ? budget : undefined;
}

/**
 * Prints one line per change of a run's phase or outcome, as the parent's progress has them
 * (pending, running, done: what `mlebench status` and the page show), one query per tick.
 */
function progressPrinter(say: (line: string) => void) {
  const seen = new Map<string, string>();
  return (progress: GroupProgress) => {
    for (const run of progress.runs) {
      const { phase } = run;
      const state = run.outcome
        ? `${run.outcome} score ${formatScore(run.score)}${run.medal ? ` (${run.medal})` : ''}`
        : phase.replace('_', ' ');
      // 'persisting'/'done' add nothing: the outcome line follows once the group records it.
      if (seen.get(run.runId) === state || (!run.outcome && ['pending', 'persisting', 'done'].includes(phase))) continue;
      seen.set(run.runId, state);
      say(
        `[${progress.done}/${progress.total}] ${run.task ? `${run.task} on ` : ''}${run.competitionId} seed ${run.seed}${run.arm ? ` (${run.arm})` : ''}: ${state}`,
      );
    }
  };
}
