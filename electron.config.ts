import { resolve } from 'node:path';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import { build as viteBuild, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The command line's quick path, out/main/cli-fast.cjs (src/main/cli/fast-entry.ts):
 * `--version`, `--help` and the language's commands as one CommonJS file, so that Node
 * starts them without its ES module loader (see fast-entry.ts). Built after the main build.
 */
function cliFastPath(): Plugin {
  return {
    name: 'loupe-cli-fast-path',
    apply: 'build',
    async closeBundle() {
      await viteBuild({
        configFile: false,
        logLevel: 'warn',
        build: {
          ssr: resolve('src/main/cli/fast-entry.ts'),
          outDir: 'out/main',
          emptyOutDir: false,
          target: 'node20',
          minify: false,
          rollupOptions: { output: { format: 'cjs', entryFileNames: 'cli-fast.cjs', comments: false, charset: 'ascii' } },
        },
      });
    },
  };
}

// One config, three builds. The main build has several entries: the Electron shell, the
// headless CLI and the utility-process workers share the same compiled services.
export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin(), cliFastPath()],
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
          // An import's read-ahead thread, started by services/library/read-ahead.ts.
          'read-ahead-worker': resolve('src/main/workers/read-ahead-worker.ts'),
          // Head training: a child process started by services/vision/train-child-process.ts.
          'train-worker': resolve('src/main/workers/train-worker.ts'),
          // The backbone (decode, resize, inference): a child process started by services/vision/engine-process.ts.
          'inference-worker': resolve('src/main/workers/inference-worker.ts'),
        },
        // The CLI loads each command's chunk on demand (src/main/cli.ts); every byte of it
        // is parsed at start-up. Comments go, and the text stays ASCII: one non-ASCII
        // character (a § in a comment) makes V8 hold and scan the whole file as UTF-16.
        output: { comments: false, charset: 'ascii' },
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
