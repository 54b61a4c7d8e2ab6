/** The lint rules that keep workflow code deterministic really fire. */
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../core/config';

const RULE = 'harness/workflow-imports';

let eslint: ESLint;

beforeAll(() => {
  // The project's own config; with CI=true typescript-eslint assumes one run over files on disk, lintText needs it off.
  eslint = new ESLint({
    cwd: REPO_ROOT,
    overrideConfigFile: path.join(REPO_ROOT, 'eslint.config.mjs'),
    overrideConfig: { languageOptions: { parserOptions: { disallowAutomaticSingleRunInference: true } } },
  });
});

/** `line:rule` of each message. An existing file's path, so the type-aware rules have it in their program. */
async function lint(lines: string[], file = path.join('workflows', 'progress.ts')): Promise<string[]> {
  const [result] = await eslint.lintText([...lines, ''].join('\n'), { filePath: path.join(REPO_ROOT, file) });
  return result!.messages.map((m) => `${m.line}:${m.ruleId}`);
}

describe('workflow import allowlist', () => {
  it('refuses value imports from outside the allowlist: Node built-ins, dockerode, activities, I/O modules, the domain at large', async () => {
    const messages = await lint([
      "import fs from 'node:fs';",
      "import Docker from 'dockerode';",
      "import { createActivities } from '../activities';",
      "import { harnessPaths } from '../core/config';",
      "import { createRunGroupPlan } from '../core/runs/plan';",
      "export { log } from '../core/log';",
      "import '../core/sandbox';",
      "export const later = () => import('../core/grading');",
      'export const used: unknown[] = [fs, Docker, createActivities, harnessPaths, createRunGroupPlan];',
    ]);
    expect(messages.filter((m) => m.endsWith(RULE))).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((line) => `${line}:${RULE}`));
  });

  it('allows the SDK workflow packages, workflow files, the contract, pure decision modules, and types from anywhere', async () => {
    const messages = await lint([
      "import { proxyActivities } from '@temporalio/workflow';",
      "import { SearchAttributeType } from '@temporalio/common';",
      "import { describeFailure } from './failures';",
      "import { QUERIES, TASK_QUEUE } from '../temporal/contract';",
      "import { decideOutcome } from '../core/runs/outcome';",
      "import type { Activities } from '../activities';",
      "import { type HarnessPaths } from '../core/config';",
      "import type Docker from 'dockerode';",
      "export type { RunResult } from '../core/runs/types';",
      'export const used: unknown[] = [proxyActivities, SearchAttributeType, describeFailure, QUERIES, TASK_QUEUE, decideOutcome];',
      'export type T = [Activities, HarnessPaths, Docker];',
    ]);
    expect(messages).toEqual([]);
  });

  it('holds the allowlisted modules outside workflows/ to the same rule (the contract stays pure)', async () => {
    const messages = await lint(["import os from 'node:os';", 'export const host = os.hostname();'], path.join('temporal', 'contract.ts'));
    expect(messages).toEqual([`1:${RULE}`]);
    // Outside workflow code the same import is fine.
    expect(await lint(["import os from 'node:os';", 'export const host = os.hostname();'], path.join('worker', 'host.ts'))).toEqual([]);
  });

  it('still catches a floating promise in a workflow', async () => {
    const messages = await lint([
      'async function work(): Promise<void> { await Promise.resolve(); }',
      'export function story(): void { work(); }',
    ]);
    expect(messages).toContain('2:@typescript-eslint/no-floating-promises');
  });
});

describe('core lint rules', () => {
  it('forbid reading the environment under core/, and only there', async () => {
    const eslint = new ESLint({
      cwd: REPO_ROOT,
      overrideConfig: { languageOptions: { parserOptions: { disallowAutomaticSingleRunInference: true } } },
    });
    const code = [
      "import { env } from 'node:process';",
      'export const home = process.env.HOME;',
      "export const all = process['env'];",
      'const { env: e } = process;',
      'export const used = [env, e];',
      '',
    ].join('\n');
    const lint = async (file: string) => {
      // Existing files' paths, so the type-aware rules have them in their program.
      const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) });
      return result!.messages.map((m) => `${m.line}:${m.ruleId}`);
    };
    expect(await lint('core/log.ts')).toEqual(
      expect.arrayContaining([
        '1:no-restricted-imports',
        '2:no-restricted-properties',
        '3:no-restricted-properties',
        '4:no-restricted-properties',
      ]),
    );
    // The edges read it.
    const atEdge = await lint('client/sdk.ts');
    expect(atEdge.filter((m) => m.endsWith('no-restricted-properties') || m.endsWith('no-restricted-imports'))).toEqual([]);
  });
});
