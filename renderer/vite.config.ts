import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY } from '../main/lifecycle.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

// The same policy the desktop window sends as a header, so a browser in headless mode gets it too
// (minus frame-ancestors, which a meta tag cannot carry). Only in the build: the dev server injects
// inline styles for hot reloading.
const CSP = CONTENT_SECURITY_POLICY.split('; ')
  .filter((d) => !d.startsWith('frame-ancestors'))
  .join('; ');

const cspMeta: Plugin = {
  name: 'nestbox-csp',
  apply: 'build',
  transformIndexHtml: () => [
    {
      tag: 'meta',
      attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP },
      injectTo: 'head-prepend',
    },
  ],
};

// `npm run dev` style: the API server on :8080 answers everything but the page itself.
const api = process.env.NESTBOX_API_URL ?? 'http://127.0.0.1:8080';
const proxied = [
  '/health',
  '/users',
  '/events',
  '/settings',
  '/logs',
  '/mail',
  '/mobileconfig',
  '/.well-known',
  '/openapi.json',
];

export default defineConfig({
  root,
  // Relative asset URLs: the API server serves this folder at '/', Electron loads it from there too.
  base: './',
  plugins: [svelte({ configFile: false }), cspMeta],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No inline data: URLs for assets; keeps every byte under script-src/style-src 'self'.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: Object.fromEntries(proxied.map((p) => [p, { target: api, changeOrigin: false }])),
  },
});
