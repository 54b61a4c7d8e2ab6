// Lint rules that guard the Temporal boundaries: workflow code runs in Temporal's deterministic
// sandbox, so what it imports as a value is an allowlist (types may come from anywhere); and
// core/ never reads the environment itself.
import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettierConfig from 'eslint-config-prettier';

/**
 * What workflow code may import as a value: the SDK's workflow-safe packages, the other workflow
 * files, the Temporal contract and the pure decision modules (no I/O, no clock, no randomness).
 * The allowlisted modules outside workflows/ are held to the same rule, so it holds transitively.
 */
export const WORKFLOW_IMPORTS = {
  packages: ['@temporalio/workflow', '@temporalio/common'],
  /** Repository paths: a folder (ending in `/`) or a module. */
  modules: [
    'workflows/',
    'temporal/contract.ts',
    'core/runs/outcome.ts',
    'core/runs/kinds.ts',
    'core/runs/planned.ts',
    'core/runs/ids.ts',
    'core/artifacts/runFolders.ts',
  ],
};

const workflowImportsRule = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      forbidden:
        '"{{source}}" may not be imported by workflow code (values only from ' +
        WORKFLOW_IMPORTS.packages.join(', ') +
        ', ' +
        WORKFLOW_IMPORTS.modules.join(', ') +
        '): use `import type`, or do the work in an activity.',
    },
  },
  create(context) {
    const root = import.meta.dirname;
    const allowed = (source) => {
      if (!source.startsWith('.')) return WORKFLOW_IMPORTS.packages.some((p) => source === p || source.startsWith(`${p}/`));
      const target = path
        .relative(root, path.resolve(path.dirname(context.filename), source))
        .split(path.sep)
        .join('/');
      return WORKFLOW_IMPORTS.modules.some((m) =>
        m.endsWith('/') ? `${target}/`.startsWith(m) : [m, m.replace(/\.ts$/, ''), m.replace(/\.ts$/, '/index')].includes(target),
      );
    };
    const check = (node, source) => {
      if (typeof source === 'string' && !allowed(source)) context.report({ node, messageId: 'forbidden', data: { source } });
    };
    const typeOnly = (node) =>
      node.importKind === 'type' ||
      node.exportKind === 'type' ||
      (node.specifiers?.length > 0 && node.specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type'));
    return {
      ImportDeclaration: (node) => typeOnly(node) || check(node, node.source.value),
      ExportNamedDeclaration: (node) => !node.source || typeOnly(node) || check(node, node.source.value),
      ExportAllDeclaration: (node) => typeOnly(node) || check(node, node.source.value),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source.value : '<computed>'),
      TSImportEqualsDeclaration: (node) =>
        node.importKind === 'type' ||
        node.moduleReference.type !== 'TSExternalModuleReference' ||
        check(node, node.moduleReference.expression.value),
      'CallExpression[callee.name="require"]': (node) =>
        check(node, node.arguments[0]?.type === 'Literal' ? node.arguments[0].value : '<computed>'),
    };
  },
};

const ENV_MESSAGE =
  'core/ never reads the environment itself: take an env parameter defaulting to environment() (core/config.ts), which the entry points fill.';

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
    files: ['workflows/**/*.ts', ...WORKFLOW_IMPORTS.modules.filter((m) => !m.endsWith('/'))],
    plugins: { harness: { rules: { 'workflow-imports': workflowImportsRule } } },
    rules: { 'harness/workflow-imports': 'error' },
  },
  {
    // The environment is read at the edges (the CLI, the SDK's Client, the worker, the benchmarks,
    // the tests' setup) and handed to core/ once (useEnvironment in core/config.ts).
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: ENV_MESSAGE }],
      'no-restricted-imports': [
        'error',
        {
          paths: ['process', 'node:process'].map((name) => ({ name, importNames: ['env'], message: ENV_MESSAGE })),
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
