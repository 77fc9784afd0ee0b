// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'console/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      // `import { type X }` alone still loads the module at run time (verbatimModuleSyntax): say `import type`.
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The operator console: plain ES modules run by the browser as they are (no build step); the vendored library is
    // copied from node_modules unchanged (scripts/vendor-console.sh), not linted.
    files: ['console/**/*.js'],
    ignores: ['console/vendor/**'],
    languageOptions: { sourceType: 'module', ecmaVersion: 2022, globals: { ...globals.browser } },
  },
  {
    // The decision engine is pure: it must not reach the edges (HTTP, storage, the Persona API client).
    files: ['src/decision/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/http/**', '**/store/**', '**/persona/client*', '**/jobs/**', '**/downstream/**'],
              message: 'decision/ is pure: no I/O adapters.',
            },
            {
              group: ['fastify', 'kysely', 'better-sqlite3', 'pg', 'pino'],
              message: 'decision/ is pure: no I/O libraries.',
            },
          ],
        },
      ],
    },
  },
  {
    // Folders show the flow (http → jobs → persona / decision / store): storage is below the HTTP routes, the jobs
    // and the Persona client. It may name the domain's types (a persona/ port it implements, an event it stores).
    files: ['src/store/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/http/**', '**/jobs/**'],
              message: 'store/ is below http/ and jobs/: it must not import them.',
            },
            {
              group: ['**/persona/**'],
              allowTypeImports: true,
              message: 'store/ may import types from persona/ (import type), never its runtime code.',
            },
          ],
        },
      ],
    },
  },
  {
    // persona/ owns its ports (e.g. rate-budget-port.ts); store/ implements them, so the dependency points one way.
    files: ['src/persona/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/store/**'],
              message: 'persona/ must not import store/: declare a port in persona/ and let store/ implement it.',
            },
          ],
        },
      ],
    },
  },
  {
    // Routes store and enqueue through the stores, then wake the worker (onEnqueued); only the worker runs jobs.
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/jobs/**'],
              message: 'http/ must not import jobs/: routes store and enqueue, the worker runs jobs.',
            },
          ],
        },
      ],
    },
  },
  {
    // Below main.ts, time, randomness and the environment are inputs (house style).
    files: ['src/**/*.ts'],
    ignores: ['src/main.ts', 'src/policy-cli.ts', 'src/sim/**', 'src/lib/clock.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read the environment in main.ts and pass config down.' },
        { object: 'Date', property: 'now', message: 'Use the injected Clock.' },
        { object: 'Math', property: 'random', message: 'Use the injected Random.' },
      ],
    },
  },
);
