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
 * A YAML file's content, for a schema to check: a file that cannot be read or is not YAML is
 * `fail`'s error, with the message `<file>: cannot read: …` or `<file>: not valid YAML: …`.
 */
export async function readYamlFile(file: string, fail: (message: string) => Error): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw fail(`${file}: cannot read: ${(err as Error).message}`);
  }
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    throw fail(`${file}: not valid YAML: ${(err as Error).message}`);
  }
}
