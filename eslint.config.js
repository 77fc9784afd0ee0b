// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The decision engine is pure: it must not reach the edges (HTTP, storage, the Persona API client).
    files: ['src/decision/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/http/**', '**/store/**', '**/persona/client*', '**/jobs/**', '**/downstream/**'], message: 'decision/ is pure: no I/O adapters.' },
            { group: ['fastify', 'kysely', 'better-sqlite3', 'pg', 'pino'], message: 'decision/ is pure: no I/O libraries.' },
          ],
        },
      ],
    },
  },
  {
    // Below main.ts, time, randomness and the environment are inputs (house style).
    files: ['src/**/*.ts'],
    ignores: ['src/main.ts', 'src/sim/**', 'src/lib/clock.ts'],
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
