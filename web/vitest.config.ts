/** Unit tests of the web workspace: `*.test.ts` beside each package, run in Node. */
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['*/tests/**/*.test.ts'],
    environment: 'node',
    // The formatters show China time whatever the machine's zone is; prove it.
    env: { TZ: 'America/New_York' },
  },
});
