// Lint: typescript-eslint's recommended rules, plus the boundary that keeps the functional
// core pure — src/manifests and src/rollout may not import Node built-ins, I/O libraries or
// shell folders (STYLE.md: "Functional core, imperative shell").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const impure = [
  { group: ['node:*', 'fs', 'fs/*', 'path', 'os', 'http', 'https', 'net', 'child_process', 'crypto', 'stream', 'events', 'util', 'zlib', 'worker_threads', 'timers', 'timers/*'], message: 'The pure core does no I/O: pass data in, return data out (STYLE.md).' },
  { group: ['ws', 'pino', 'pino-*', 'simple-git', '@kubernetes/*', 'protobufjs', 'protobufjs/*', 'prom-client', 'commander'], message: 'The pure core does no I/O: this library belongs in the shell.' },
  { group: ['**/opamp/**', '**/agent/**', '**/artifacts/**', '**/controller/**', '**/sources/**', '**/status/**', '**/cli/**', '**/api/**'], message: 'The pure core may not depend on the shell.' },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'data/', 'bench/results/', 'test-artifacts/', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', AbortController: 'readonly', fetch: 'readonly', performance: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/manifests/**/*.ts', 'src/rollout/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: impure }],
      'no-restricted-globals': ['error',
        { name: 'process', message: 'The pure core reads no environment.' },
        { name: 'console', message: 'The pure core does not log.' },
        { name: 'setTimeout', message: 'The pure core has no clock.' },
        { name: 'setInterval', message: 'The pure core has no clock.' },
        { name: 'fetch', message: 'The pure core does no I/O.' },
        { name: 'performance', message: 'The pure core has no clock.' }],
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'The pure core has no clock: take `now` as a parameter.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'The pure core has no clock: take `now` as a parameter.' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'The pure core is deterministic: no randomness.' }],
    },
  },
);
