// @ts-check
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import tseslint from 'typescript-eslint'

const SYNC_CALLS = '/^(execFileSync|execSync|spawnSync)$/'
const KUBECTL = '/^kubectl(\\s|$)/'

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'docs/api/**',
      'drill-output/**',
      'bench-output/**',
      '.toolchain/**',
      '.tmp/**',
      // Compiled in a scratch project of its own by scripts/check-user-install.sh.
      'scripts/user-install/**',
      'examples/.doc-snippets/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // One program for the whole repository (the root tsconfig maps the packages to their
      // sources): a project service would build one program per package tsconfig, each
      // loading every source again, and run out of memory.
      parserOptions: {
        project: './tsconfig.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // ResultAsync is only PromiseLike: without checkThenables a dropped one slips through.
      '@typescript-eslint/no-floating-promises': ['error', { checkThenables: true }],
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'max-params': ['error', 3],
      'no-console': 'error',
      // The Kubernetes simulator answers on the caller's own event loop, which a synchronous
      // child process blocks: kubectl would wait for an answer that cannot come.
      'no-restricted-syntax': [
        'error',
        {
          selector: `CallExpression:matches([callee.name=${SYNC_CALLS}], [callee.property.name=${SYNC_CALLS}]):matches([arguments.0.value=${KUBECTL}], [arguments.0.quasis.0.value.raw=${KUBECTL}])`,
          message:
            'Run kubectl asynchronously (exec from @rollback-kit/core): a synchronous call blocks the event loop the in-process Kubernetes simulator answers on, and hangs.',
        },
      ],
    },
  },
  {
    // Tests, examples, the drill and benchmarks are programs: they may print.
    files: [
      '**/test/**',
      'examples/**',
      'drill/**',
      'bench/**',
      'scripts/**',
      '*.config.ts',
      'vitest.global-setup.ts',
    ],
    rules: {
      'no-console': 'off',
      'max-params': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
)
