// Runs trainHead in a worker thread (entry: src/main/workers/train-worker.ts) so a long
// training run leaves the main thread's event loop free: the local HTTP server keeps
// answering while Fashion-MNIST-sized datasets train for minutes.
//
// Why a worker thread rather than a utility process: the same reasons as the script runner
// (services/scripts/script-runner.ts): it runs unchanged in Electron, the headless shell and
// tests, and the features move over by transfer, without a copy through a pipe.
import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  VisionTrainError, type AugmentedExample, type TrainOptions, type TrainProgress, type TrainResult, type VisionTrainErrorCode,
} from '../../vision/index';

/** The options that cross the thread boundary: everything but the callback and the signal. */
export type WorkerTrainOptions = Omit<TrainOptions, 'signal' | 'onEpoch'>;

export interface TrainWorkerInit {
  /** N×D, row-major. */
  features: Float32Array;
  count: number;
  dim: number;
  labels: string[];
  augmented?: { features: Float32Array; dim: number; labels: string[]; sources: Int32Array };
  options: WorkerTrainOptions;
}

export type TrainWorkerMessage = { t: 'cancel' };
export type TrainWorkerReply =
  | { t: 'epoch'; progress: TrainProgress }
  | { t: 'done'; result: TrainResult }
  | { t: 'error'; code: string; message: string; trainError: boolean };

export interface TrainInWorkerData {
  features: Float32Array[];
  labels: string[];
  augmented?: AugmentedExample[];
}

export interface TrainInWorkerOptions extends WorkerTrainOptions {
  signal?: AbortSignal;
  onEpoch?: (progress: TrainProgress) => void;
}

/** How long training may take to notice a cancel before its worker is terminated. */
const STOP_GRACE_MS = 2000;

function workerEntry(): { file: string; ts: boolean } {
  const here = fileURLToPath(import.meta.url);
  if (extname(here) === '.ts') return { file: join(dirname(here), '..', '..', 'workers', 'train-worker.ts'), ts: true };
  // Bundled: out/main/train-worker.js, beside the entry or one level above the chunk holding this code.
  const near = join(dirname(here), 'train-worker.js');
  return { file: existsSync(near) ? near : join(dirname(here), '..', 'train-worker.js'), ts: false };
}

function startWorker(init: TrainWorkerInit, transfer: ArrayBuffer[]): Worker {
  const { file, ts } = workerEntry();
  if (!existsSync(file)) throw new Error(`The training worker is missing: ${file}`);
  if (!ts) return new Worker(file, { workerData: init, transferList: transfer });
  // Running from source (tests, tsx): the worker loads TypeScript through tsx.
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); })` +
    `.catch((e) => { console.error(e); process.exit(1); });`;
  return new Worker(boot, { eval: true, workerData: init, transferList: transfer });
}

/** Copies rows into one block: one transfer instead of N structured clones. */
function pack(rows: Float32Array[], what: string): { block: Float32Array; dim: number } {
  const dim = rows.length > 0 ? rows[0].length : 0;
  const block = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    if (r.length !== dim) {
      throw new VisionTrainError('dimension_mismatch', `${what} ${i} has ${r.length} features where the first has ${dim}.`);
    }
    block.set(r, i * dim);
  });
  return { block, dim };
}

function toInit(data: TrainInWorkerData, options: WorkerTrainOptions): { init: TrainWorkerInit; transfer: ArrayBuffer[] } {
  const main = pack(data.features, 'Picture');
  const init: TrainWorkerInit = { features: main.block, count: data.features.length, dim: main.dim, labels: data.labels, options };
  const transfer = [main.block.buffer as ArrayBuffer];
  if (data.augmented) {
    const a = pack(data.augmented.map((r) => r.features), 'Augmented row');
    const sources = Int32Array.from(data.augmented, (r) => r.source ?? -1);
    init.augmented = { features: a.block, dim: a.dim, labels: data.augmented.map((r) => r.label), sources };
    transfer.push(a.block.buffer as ArrayBuffer, sources.buffer as ArrayBuffer);
  }
  return { init, transfer };
}

/** trainHead with the same inputs and result, off this thread. Rejects with VisionTrainError for training's own refusals. */
export function trainHeadInWorker(data: TrainInWorkerData, options: TrainInWorkerOptions = {}): Promise<TrainResult> {
  const { signal, onEpoch, ...rest } = options;
  if (signal?.aborted) return Promise.reject(new VisionTrainError('cancelled', 'Training was cancelled.'));
  let prepared: ReturnType<typeof toInit>;
  try {
    prepared = toInit(data, rest);
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }

  return new Promise<TrainResult>((resolve, reject) => {
    let settled = false;
    let killTimer: NodeJS.Timeout | null = null;
    let worker: Worker;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      if (killTimer) clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      worker.postMessage({ t: 'cancel' } satisfies TrainWorkerMessage);
      // A worker stuck in a long stretch without yielding is ended outright.
      killTimer = setTimeout(() => {
        void worker.terminate();
        finish(() => reject(new VisionTrainError('cancelled', 'Training was cancelled.')));
      }, STOP_GRACE_MS);
    };
    try {
      worker = startWorker(prepared.init, prepared.transfer);
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: TrainWorkerReply) => {
      if (m.t === 'epoch') {
        if (!settled) onEpoch?.(m.progress);
      } else if (m.t === 'done') {
        finish(() => resolve(m.result));
      } else {
        const err = m.trainError ? new VisionTrainError(m.code as VisionTrainErrorCode, m.message) : Object.assign(new Error(m.message), { code: m.code });
        finish(() => reject(err));
      }
      if (m.t !== 'epoch') void worker.terminate();
    });
    worker.on('error', (err) => {
      finish(() => reject(Object.assign(new Error(`The training worker crashed: ${err.message}`), { code: 'internal' })));
    });
    worker.on('exit', (code) => {
      finish(() => reject(Object.assign(new Error(`The training worker stopped unexpectedly (exit code ${code}).`), { code: 'internal' })));
    });
  });
}
