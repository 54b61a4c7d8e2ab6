/** `mlebench context build`: a context (run option --context) from earlier technique runs' analyses. */
import { promises as fs } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { harnessPaths } from '../../core/config';
import { buildContext } from '../../core/context/build';
import { resolveGroupFolder } from '../../core/stats/groups';
import type { RunContext } from '../../core/options';

const grade = (v: string) => {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('a grade from 0 to 1');
  return n;
};
const count = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number from 1');
  return n;
};

/** The groups' (folders or ids) technique runs graded >= minGrade, as a context: also what `run --context-from` reads. */
export async function contextFromGroups(
  groups: readonly string[],
  opts: { minGrade?: number; perTask?: number } = {},
): Promise<RunContext> {
  const dirs = await Promise.all(groups.map((g) => resolveGroupFolder(g, harnessPaths().runsDir)));
  return buildContext(dirs, opts);
}

export function contextCommand(): Command {
  return new Command('context').description('contexts for the run option --context').addCommand(
    new Command('build')
      .description('a context from earlier technique runs: per task, the analysis files of the runs graded >= --min-grade, best first')
      .argument('<group...>', 'run groups (folders or ids)')
      .option('--min-grade <g>', 'technique grade a run needs', grade, 0.9)
      .option('--per-task <n>', 'runs per task at most', count, 3)
      .requiredOption('--out <file>', 'the context file to write (give it to mlebench run --context)')
      .action(async (groups: string[], flags: { minGrade: number; perTask: number; out: string }) => {
        const context = await contextFromGroups(groups, flags);
        await fs.writeFile(flags.out, context.text);
        console.log(`${flags.out}: ${Buffer.byteLength(context.text)} bytes from ${context.source}`);
      }),
  );
}
