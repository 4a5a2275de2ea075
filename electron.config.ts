import { resolve } from 'node:path';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import react from '@vitejs/plugin-react';

// One config, three builds. The main build has several entries: the Electron shell, the
// headless CLI and the utility-process workers share the same compiled services.
export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          electron: resolve('src/main/electron.ts'),
          cli: resolve('src/main/cli.ts'),
          // Script runs: a child process started by services/scripts/script-runner.ts, which
          // hosts each run's worker thread (script-worker).
          'script-child': resolve('src/main/workers/script-child.ts'),
          'script-worker': resolve('src/main/workers/script-worker.ts'),
          // scripts.check / scripts.format: a worker thread started by services/scripts/lang-tools.ts.
          'lang-worker': resolve('src/main/workers/lang-worker.ts'),
          // Head training: a child process started by services/vision/train-in-process.ts.
          'train-worker': resolve('src/main/workers/train-worker.ts'),
          // The backbone (decode, resize, inference): a child process started by services/vision/engine-process.ts.
          'inference-worker': resolve('src/main/workers/inference-worker.ts'),
        },
      },
    },
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/preload',
      rollupOptions: { input: { index: resolve('src/preload/index.ts') }, output: { format: 'cjs' } },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [react()],
    build: { outDir: 'out/renderer', minify: true, rollupOptions: { input: { index: resolve('src/renderer/index.html') } } },
  },
});
