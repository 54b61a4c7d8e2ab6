/** What a failed validation says (core/validation.ts): a zod error's issues as `field: reason`, the top named by the caller. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CONFIG_FILE_MAX_BYTES, formatIssues, formatZodError, readYamlFile, zodFieldIssues } from '../../core/validation';

const schema = z.strictObject({
  dataset: z.object({ answers: z.string('a path') }),
  runs: z.array(z.object({ seed: z.number('a number') })),
  prices: z.record(z.string().regex(/^[a-z]+$/, 'a lowercase model name'), z.number()).optional(),
});

describe('zod issues as fields and reasons', () => {
  it('names each field by its dotted path, with zod’s reason', () => {
    const { error } = schema.safeParse({ dataset: {}, runs: [{ seed: 1 }, { seed: 'two' }] });
    expect(zodFieldIssues(error!)).toEqual([
      { field: 'dataset.answers', reason: 'a path' },
      { field: 'runs.1.seed', reason: 'a number' },
    ]);
    expect(formatZodError(error!)).toBe('dataset.answers: a path; runs.1.seed: a number');
  });

  it('names an issue without a path by the place the caller gives, (top level) by default', () => {
    const { error } = schema.safeParse({ dataset: { answers: 'a' }, runs: [], extra: 1 });
    expect(formatZodError(error!)).toBe('(top level): Unrecognized key: "extra"');
    expect(formatZodError(error!, { topLevel: '(file)' })).toBe('(file): Unrecognized key: "extra"');
  });

  it('puts a prefix before the path of a nested part', () => {
    const { error } = z.object({ fold: z.number('a number') }).safeParse({ fold: 'x' });
    expect(zodFieldIssues(error!, { prefix: ['prepare', 'options'] })).toEqual([{ field: 'prepare.options.fold', reason: 'a number' }]);
  });

  it('says why a record key is bad, not only that it is', () => {
    const { error } = schema.safeParse({ dataset: { answers: 'a' }, runs: [], prices: { 'GPT-4': 1 } });
    expect(formatZodError(error!)).toBe('prices.GPT-4: a lowercase model name');
  });

  it('formats issues of any origin the same way', () => {
    expect(
      formatIssues([
        { field: 'seeds', reason: 'at least 1' },
        { field: 'agent', reason: 'unknown' },
      ]),
    ).toBe('seeds: at least 1; agent: unknown');
    expect(formatIssues([])).toBe('');
  });
});

describe('readYamlFile', () => {
  class ConfigError extends Error {}
  const fail = (message: string) => new ConfigError(message);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'validation-'));

  it('gives the YAML content for a schema to check', async () => {
    const file = path.join(dir, 'good.yaml');
    writeFileSync(file, 'name: spambase\nseeds: [1, 2]\n');
    expect(await readYamlFile(file, fail)).toEqual({ name: 'spambase', seeds: [1, 2] });
  });

  it("says a file that cannot be read or is not YAML through the caller's error, naming the file", async () => {
    const missing = path.join(dir, 'missing.yaml');
    await expect(readYamlFile(missing, fail)).rejects.toThrow(new RegExp(`^${missing}: cannot read: ENOENT`));
    await expect(readYamlFile(missing, fail)).rejects.toBeInstanceOf(ConfigError);
    const broken = path.join(dir, 'broken.yaml');
    writeFileSync(broken, 'name: [unclosed\n');
    await expect(readYamlFile(broken, fail)).rejects.toThrow(`${broken}: not valid YAML: `);
  });

  it('refuses a file over the configuration limit before reading it, and a folder, naming the file', async () => {
    const huge = path.join(dir, 'huge.yaml');
    writeFileSync(huge, `name: ${'x'.repeat(CONFIG_FILE_MAX_BYTES)}\n`);
    await expect(readYamlFile(huge, fail)).rejects.toThrow(
      `${huge}: cannot read: ${CONFIG_FILE_MAX_BYTES + 7} bytes, over the ${CONFIG_FILE_MAX_BYTES}-byte limit`,
    );
    await expect(readYamlFile(dir, fail)).rejects.toThrow(`${dir}: cannot read: not a regular file`);
  });
});
