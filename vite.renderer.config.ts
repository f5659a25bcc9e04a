/**
 * Builds the admin GUI (renderer/) into dist-renderer/. The same files are loaded by Electron from
 * file:// and served by `rostersync ui` over loopback HTTP, so every URL in the output is relative
 * (base './'). The renderer may import only its own files and pure code from src/shared/.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('./renderer', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist-renderer', import.meta.url)),
    emptyOutDir: true,
    // No inlined assets: the Content-Security-Policy allows scripts, styles and images from 'self' only.
    assetsInlineLimit: 0,
    sourcemap: true,
    target: 'es2022',
  },
  server: { host: '127.0.0.1' },
});
