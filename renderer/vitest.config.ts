import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

// The dashboard's logic and component tests (components rendered to HTML on the server side, no DOM).
// Named *.spec.ts so Node's test runner (test/**/*.test.ts) skips them.
export default defineConfig({
  root,
  plugins: [svelte({ configFile: false })],
  test: {
    include: ['test/renderer/**/*.spec.ts'],
    environment: 'node',
  },
});
