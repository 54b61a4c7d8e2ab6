/**
 * A run's context (run option `context`): curated text added to what the agent reads, as an
 * addendum to /home/instructions.txt. The harness writes the run's instructions file into the run
 * folder (outside the agent's scratch space, so the agent cannot change it), and the container
 * mounts it read-only in place of the shared one. An empty context adds nothing: the run reads the
 * same instructions as a run without one.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RunContext } from '../options';

/** The run's own instructions, beside its run.json. */
export const CONTEXT_INSTRUCTIONS_FILE = 'instructions.txt';

export function instructionsWithContext(base: string, context: RunContext): string {
  if (context.text.trim() === '') return base;
  const from = context.source ? ` (${context.source})` : '';
  return `${base.replace(/\n*$/, '\n')}\nADDITIONAL CONTEXT${from}: notes given with this run, to use as you see fit.\n\n${context.text.replace(/\n*$/, '\n')}`;
}

/** Writes the run's instructions (the shared file with the context's addendum) and returns its path. */
export async function writeRunInstructions(runDir: string, baseFile: string, context: RunContext): Promise<string> {
  const base = await fs.readFile(baseFile, 'utf8').catch((err: Error) => {
    throw new Error(`the instructions ${baseFile}: ${err.message}`, { cause: err });
  });
  const file = path.join(runDir, CONTEXT_INSTRUCTIONS_FILE);
  await fs.mkdir(runDir, { recursive: true });
  await fs.writeFile(file, instructionsWithContext(base, context));
  return file;
}
