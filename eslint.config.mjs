// Lint rules that guard the Temporal boundaries: workflow code must stay deterministic, so it
// may not import Node built-ins, dockerode or activity implementations (types are fine).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettierConfig from 'eslint-config-prettier';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.mlebench/**', 'runs/**', 'bin/**', 'agents/**', 'images/**', 'scripts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { tsconfigRootDir: import.meta.dirname, project: ['./tsconfig.test.json'] },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins.' })),
            { name: 'dockerode', message: 'Docker belongs in activities and core/sandbox, never in workflows.' },
          ],
          patterns: [
            {
              group: ['**/activities', '**/activities/*', '../activities/**'],
              allowTypeImports: true,
              message: 'Workflows may import activity types only (import type), never their implementations.',
            },
            {
              group: ['**/core/sandbox/**', '**/core/competitions/**', '**/core/artifacts/**', '**/core/agents/**', '**/core/config'],
              allowTypeImports: true,
              message: 'Workflows may not import I/O modules (types are fine).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  // Layout is Prettier's (npm run format); no lint rule may disagree with it.
  prettierConfig,
);
