/**
 * What a group's metadata says of its context: the text once, as context.md in the group folder,
 * and its hash, size and source in metadata.json (each run's record names the hash it was shown).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RunContext } from '../options';

export const GROUP_CONTEXT_FILE = 'context.md';

export interface ContextRecord {
  source: string | null;
  sha256: string;
  bytes: number;
  /** The text, in the group folder. */
  file: typeof GROUP_CONTEXT_FILE;
}

export const contextSha256 = (context: RunContext): string => createHash('sha256').update(context.text).digest('hex');

/** Writes the group's context.md and returns what metadata.json records of it. */
export async function recordGroupContext(groupDir: string, context: RunContext): Promise<ContextRecord> {
  await fs.writeFile(path.join(groupDir, GROUP_CONTEXT_FILE), context.text);
  return {
    source: context.source ?? null,
    sha256: contextSha256(context),
    bytes: Buffer.byteLength(context.text),
    file: GROUP_CONTEXT_FILE,
  };
}
