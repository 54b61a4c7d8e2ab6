/** The lint rules that keep workflow code deterministic really fire. */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../core/config';

describe('workflow lint rules', () => {
  it('forbid Node built-ins, dockerode and activity implementations in workflows, and floating promises', async () => {
    // With CI=true typescript-eslint assumes one run over files on disk; lintText needs it off.
    const eslint = new ESLint({
      cwd: REPO_ROOT,
      overrideConfig: { languageOptions: { parserOptions: { disallowAutomaticSingleRunInference: true } } },
    });
    const code = [
      "import fs from 'node:fs';",
      "import Docker from 'dockerode';",
      "import { createActivities } from '../activities';",
      "import type { Activities } from '../activities';",
      'export const used: unknown[] = [fs, Docker, createActivities];',
      'export type A = Activities;',
      'async function work(): Promise<void> { await Promise.resolve(); }',
      'export function story(): void { work(); }',
      '',
    ].join('\n');
    // An existing workflow file's path, so the type-aware rules have it in their program.
    const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, 'workflows', 'progress.ts') });
    const messages = result!.messages.map((m) => `${m.line}:${m.ruleId}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        '1:@typescript-eslint/no-restricted-imports',
        '2:@typescript-eslint/no-restricted-imports',
        '3:@typescript-eslint/no-restricted-imports',
        '8:@typescript-eslint/no-floating-promises',
      ]),
    );
    expect(messages).not.toContain('4:@typescript-eslint/no-restricted-imports');
  });
});
