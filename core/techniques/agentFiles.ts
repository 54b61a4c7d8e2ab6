/**
 * Reading what an agent wrote besides its submission (the analysis JSON, a task's extra CSV).
 * The agent controls its folder: a symlink is never followed, a FIFO never blocks, and the size
 * is capped before anything is read.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import type { z } from 'zod';
import { formatZodError } from '../validation';

/** Far above any honest analysis or extra file of these tasks (tens of thousands of rows). */
export const MAX_AGENT_FILE_BYTES = 64 * 1024 * 1024;

export type AgentFile = { ok: true; text: string } | { ok: false; exists: boolean; reason: string };

export async function readAgentFile(file: string, maxBytes = MAX_AGENT_FILE_BYTES): Promise<AgentFile> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP')
      return { ok: false, exists: true, reason: `${file} is a symbolic link; it must be a regular file` };
    return { ok: false, exists: false, reason: `no file at ${file}` };
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { ok: false, exists: true, reason: `${file} is not a regular file` };
    if (stat.size > maxBytes) return { ok: false, exists: true, reason: `${file} is ${stat.size} bytes, over the limit of ${maxBytes}` };
    const bytes = await handle.readFile();
    try {
      return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
    } catch {
      return { ok: false, exists: true, reason: `${file} is not UTF-8 text` };
    }
  } finally {
    await handle.close();
  }
}

export type ParsedAnalysis<A> = { ok: true; value: A } | { ok: false; exists: boolean; reason: string };

/** Reads and validates an analysis JSON; a problem names the file, the field and the reason. */
export async function readAnalysis<A>(file: string, schema: z.ZodType<A>): Promise<ParsedAnalysis<A>> {
  const read = await readAgentFile(file);
  if (!read.ok) return read;
  let json: unknown;
  try {
    json = JSON.parse(read.text);
  } catch (err) {
    return { ok: false, exists: true, reason: `${file}: not valid JSON: ${(err as Error).message}` };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, exists: true, reason: `${file}: ${formatZodError(parsed.error)}` };
  }
  return { ok: true, value: parsed.data };
}
