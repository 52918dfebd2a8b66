// One lint for the whole tree: type-aware rules plus the layer rule of DESIGN.md section 1.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Relative imports that leave a layer for another, by the layer they reach. */
const layer = (name) => ({
  group: [`../${name}`, `../${name}/*`, `../../src/${name}/*`],
  message: `this layer may not import src/${name} (DESIGN.md section 1)`,
});
const nodeBuiltins = {
  regex:
    '^(node:.*|fs|path|os|net|dgram|http|https|crypto|child_process|stream|events|url|util|buffer|worker_threads)(/.*)?$',
  message: 'no Node API here: platform APIs are injected at the entry points',
};
const restrict = (...patterns) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
});

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'dist',
      'coverage',
      'test-results',
      'playwright-report',
      'bench/results',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // layer-probe.ts never exists on disk: test/lint/layers.test.ts lints virtual files
        // by that name in each layer to prove the dependency rule fires.
        projectService: {
          allowDefaultProject: ['src/*/layer-probe.ts', 'signaling/layer-probe.ts'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: 'error',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // core: pure TypeScript, imports only itself and libsodium (the one crypto module).
    files: ['src/core/**'],
    rules: restrict({
      regex: '^(?!\\./|libsodium-wrappers$)',
      message: 'src/core imports nothing but src/core and libsodium-wrappers (DESIGN.md section 1)',
    }),
  },
  {
    files: ['src/net/**'],
    rules: restrict(layer('storage'), layer('engine'), layer('ui'), layer('cli')),
  },
  {
    files: ['src/storage/**'],
    rules: restrict(layer('net'), layer('engine'), layer('ui'), layer('cli')),
  },
  {
    files: ['src/engine/**'],
    rules: restrict(layer('net'), layer('storage'), layer('ui'), layer('cli'), nodeBuiltins),
  },
  {
    files: ['src/ui/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            layer('net'),
            layer('storage'),
            layer('cli'),
            nodeBuiltins,
            {
              group: ['../core', '../core/*'],
              allowTypeImports: true,
              message: 'ui takes only types from core; behaviour comes through the engine API',
            },
            {
              group: ['idb-keyval', 'workbox-window', 'libsodium-wrappers'],
              message: 'platform adapters are picked in src/main.tsx and injected into the ui',
            },
          ],
        },
      ],
    },
  },
  {
    // The engine's Web Worker is an entry point like src/main.tsx: it may pick concrete adapters
    // (storage, later net) and run the engine, but never reaches into the page's ui, the Node
    // CLI, or Node APIs.
    files: ['src/worker/**'],
    rules: restrict(layer('ui'), layer('cli'), nodeBuiltins),
  },
  {
    // The service worker is thin: Workbox and nothing of the app's.
    files: ['src/sw/**'],
    rules: restrict(
      { group: ['../*', '../../*'], message: 'src/sw imports nothing of the app' },
      nodeBuiltins,
    ),
  },
  {
    files: ['signaling/**'],
    rules: restrict({
      group: ['../src/*', '!../src/core'],
      message: 'signaling/ imports only core protocol types',
    }),
  },
);
