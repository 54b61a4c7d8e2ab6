/**
 * What a failed validation says, in one shape: each issue as a field and a reason, and their
 * message `field: reason; field: reason` (after the file or source the caller names). A zod
 * error's issues become fields by their path (`dataset.answers`, `runs.0.seed`); an issue at the
 * top has no path, and the caller names that place (`(top level)` unless said otherwise). A YAML
 * file a schema checks is read by readYamlFile, with the same messages everywhere.
 */
import { promises as fs } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';

export interface FieldIssue {
  field: string;
  reason: string;
}

export interface ZodIssueOptions {
  /** The field of an issue without a path (default `(top level)`). */
  topLevel?: string;
  /** Path segments before each issue's own (the issues of a nested part, e.g. `prepare.options`). */
  prefix?: readonly string[];
}

/** A zod error's issues as fields and reasons. A bad record key says only "Invalid key in record": its nested issue says why. */
export function zodFieldIssues(error: { readonly issues: readonly z.core.$ZodIssue[] }, options: ZodIssueOptions = {}): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: [...(options.prefix ?? []), ...issue.path.map(String)].join('.') || (options.topLevel ?? '(top level)'),
    reason: issue.code === 'invalid_key' && issue.issues[0] ? issue.issues[0].message : issue.message,
  }));
}

/** `field: reason; field: reason`. */
export function formatIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `${i.field}: ${i.reason}`).join('; ');
}

/** A zod error as `field: reason; field: reason`. */
export function formatZodError(error: { readonly issues: readonly z.core.$ZodIssue[] }, options: ZodIssueOptions = {}): string {
  return formatIssues(zodFieldIssues(error, options));
}

/**
 * The most a configuration file (an agent's config.yaml, the gateway's, split descriptions) may
 * hold: the largest real one is a few KB; a checkout or a git agent is not trusted to be sane.
 */
export const CONFIG_FILE_MAX_BYTES = 1024 * 1024;

/** A configuration file's text, checked against CONFIG_FILE_MAX_BYTES on the open handle before it is read. */
export async function readConfigText(file: string, fail: (message: string) => Error): Promise<string> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    throw fail(`${file}: cannot read: ${(err as Error).message}`);
  }
  let reason = '';
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) reason = 'not a regular file';
    else if (stat.size > CONFIG_FILE_MAX_BYTES)
      reason = `${stat.size} bytes, over the ${CONFIG_FILE_MAX_BYTES}-byte limit of a configuration file`;
    else return await handle.readFile('utf8');
  } catch (err) {
    reason = (err as Error).message;
  } finally {
    await handle.close();
  }
  throw fail(`${file}: cannot read: ${reason}`);
}

/**
 * A YAML file's content, for a schema to check: a file that cannot be read (or is over
 * CONFIG_FILE_MAX_BYTES) or is not YAML is `fail`'s error, with the message
 * `<file>: cannot read: …` or `<file>: not valid YAML: …`.
 */
export async function readYamlFile(file: string, fail: (message: string) => Error): Promise<unknown> {
  const text = await readConfigText(file, fail);
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    throw fail(`${file}: not valid YAML: ${(err as Error).message}`);
  }
}
