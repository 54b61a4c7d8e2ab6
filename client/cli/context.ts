/** `mlebench context build`: a context (run option --context) from earlier technique runs' analyses. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { GROUP_FILES } from '../../core/artifacts/layout';
import { harnessPaths } from '../../core/config';
import { CARD_FILE } from '../../core/dataset/export';
import { analysesOfGroups, contextOfAnalyses, type PickedAnalysis } from '../../core/context/build';
import { analysesOfExport, exportFormatOf } from '../../core/context/fromExport';
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

/**
 * A context from earlier technique runs graded >= minGrade: each source is a dataset export's
 * folder (mlebench export) or a run group (folder or id). Also what `run --context-from` reads.
 */
export async function contextFromSources(
  sources: readonly string[],
  opts: { minGrade?: number; perTask?: number } = {},
): Promise<RunContext> {
  const minGrade = opts.minGrade ?? 0.9;
  const picked: PickedAnalysis[] = [];
  for (const source of sources) {
    if (await exportFormatOf(source)) picked.push(...(await analysesOfExport(source, minGrade)));
    else {
      const dir = await resolveGroupFolder(source, harnessPaths().runsDir);
      if (!(await fs.stat(path.join(dir, GROUP_FILES.metadata)).catch(() => null)))
        throw new Error(
          `${source}: neither a run group (no ${GROUP_FILES.metadata}) nor a dataset export (no ${CARD_FILE} with a runs table)`,
        );
      picked.push(...(await analysesOfGroups([dir], minGrade)));
    }
  }
  return contextOfAnalyses(
    picked,
    opts,
    sources.join(', '),
    `technique runs >= ${minGrade} of ${sources.map((s) => path.basename(s)).join(', ')}`,
  );
}

export function contextCommand(): Command {
  return new Command('context').description('contexts for the run option --context').addCommand(
    new Command('build')
      .description('a context from earlier technique runs: per task, the analysis files of the runs graded >= --min-grade, best first')
      .argument('<source...>', 'run groups (folders or ids) or dataset exports (folders written by mlebench export)')
      .option('--min-grade <g>', 'technique grade a run needs', grade, 0.9)
      .option('--per-task <n>', 'runs per task at most', count, 3)
      .requiredOption('--out <file>', 'the context file to write (give it to mlebench run --context)')
      .action(async (groups: string[], flags: { minGrade: number; perTask: number; out: string }) => {
        const context = await contextFromSources(groups, flags);
        await fs.writeFile(flags.out, context.text);
        console.log(`${flags.out}: ${Buffer.byteLength(context.text)} bytes from ${context.source}`);
      }),
  );
}
