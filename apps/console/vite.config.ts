import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const root = import.meta.dirname;

/**
 * The console: built into dist/console (served by the gateway at /console/). JSX through esbuild's automatic
 * runtime, so no framework plugin is needed. `npm run console:dev` proxies the API to a local gateway.
 */
export default defineConfig({
  root,
  base: '/console/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: resolve(root, '../../dist/console'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/v1': process.env.GATEWAY_URL ?? 'http://127.0.0.1:3000',
      '/console/config.json': process.env.GATEWAY_URL ?? 'http://127.0.0.1:3000',
    },
  },
});
