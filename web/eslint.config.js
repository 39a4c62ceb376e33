// Lint rules for the web workspace: ESLint's and typescript-eslint's recommended sets, Vue's
// recommended set for single-file components, and a few rules of ours. Formatting is not
// linted (the editor's job); `npm run lint` fails on any warning.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';

export default defineConfig(
  { ignores: ['**/dist/**', '**/node_modules/**', 'shared/src/api/schema.d.ts'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    files: ['**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      // Formatting belongs to the editor; these fight with long i18n calls in templates.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': ['warn', { html: { void: 'always', normal: 'never', component: 'always' } }],
      // Pages are named by their folder (pages/home/HomePage.vue); one-word names are fine.
      'vue/multi-word-component-names': 'off',
      'vue/no-v-html': 'error',
      'vue/require-default-prop': 'off',
      '@typescript-eslint/consistent-type-imports': ['warn', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['warn', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['warn', 'always'],
      'no-console': 'warn',
    },
  },
  {
    // Build scripts, configs and the service worker run in Node or a worker, not a page.
    files: ['scripts/**/*.mjs', '*.{js,ts}', '*/vite.config.ts', 'worker/sw/plugin.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: { 'no-console': 'off' },
  },
  {
    files: ['worker/sw/sw.js'],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
  {
    files: ['docs/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
