import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './lint/layers.js';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-renderer/**', 'release/**', 'node_modules/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [
        { name: 'electron', message: 'src/ runs as a service without Electron: keep Electron code in electron/.' },
        { name: 'react', message: 'src/ is the agent: UI code belongs in renderer/.' },
      ] }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['node:*', 'fs', 'path', 'crypto', 'os', 'child_process', 'better-sqlite3', 'electron', 'react'], message: 'src/shared/ is imported by the renderer: pure code only.' },
      ] }],
    },
  },
  {
    // The layers of src/ and the two clients' boundaries (lint/layers.js, README "Layers").
    files: ['src/**/*.ts', 'electron/**/*.ts', 'renderer/**/*.{ts,tsx}'],
    plugins: { layers },
    rules: { 'layers/imports': 'error', 'layers/sealed-store': 'error' },
  },
  {
    files: ['bin/**/*.js', 'test/**/*.mjs', 'lint/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly' } },
  },
);
