// Loupe's worker children (src/main/workers/*) for CPU-heavy work (inference, training, script
// runs), as ARCHITECTURE.md asks: "Heavy CPU work goes to utility processes (utilityProcess.fork);
// headless: child_process.fork". They are the queue engine's WatchedChild (one fork, one memory
// cap, one account of how a child ended); this file only knows where Loupe's entries are.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { WatchedChild, type WatchedChildOptions } from '../queue/index';

/**
 * Where a worker entry (src/main/workers/NAME.ts) is and how to start it: from source (tests,
 * tsx) the child loads TypeScript through tsx; built, it is out/main/NAME.js, beside the entry or
 * one folder above the chunk holding this code.
 */
export function workerEntry(name: string): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (extname(here) === '.ts') {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json')).href.replace(/package\.json$/, 'dist/loader.mjs');
    return { file: join(dirname(here), '..', 'workers', `${name}.ts`), execArgv: ['--import', tsx] };
  }
  const near = join(dirname(here), `${name}.js`);
  return { file: existsSync(near) ? near : join(dirname(here), '..', `${name}.js`), execArgv: [] };
}

/** Starts the worker entry `name` as a watched child; throws when the entry is missing. */
export function startWorker(name: string, options: Omit<WatchedChildOptions, 'entry' | 'execArgv'>): WatchedChild {
  const { file, execArgv } = workerEntry(name);
  if (!existsSync(file)) throw new Error(`The ${name} entry is missing: ${file}`);
  return new WatchedChild({ ...options, entry: file, execArgv });
}

/**
 * Starts the worker entry `name` as a worker thread (a thread of this process, for work that must
 * stay off the event loop but needs no process of its own). From source, the thread registers
 * tsx first: a thread cannot take the process's `--import` loader.
 */
export function startWorkerThread(name: string, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const { file, execArgv } = workerEntry(name);
  if (execArgv.length === 0) return new Worker(file, options);
  const boot =
    `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); })` +
    `.catch((e) => { console.error(e); process.exit(1); });`;
  return new Worker(boot, { ...options, eval: true });
}
