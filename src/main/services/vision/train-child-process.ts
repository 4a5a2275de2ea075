// Runs trainHead in a child process (entry: src/main/workers/train-worker.ts), as
// ARCHITECTURE.md asks of heavy CPU work: a long training run leaves the main process's
// event loop free (the local HTTP server keeps answering while Fashion-MNIST-sized datasets
// train for minutes), the child has a memory cap, and a crash of the child fails the run with
// a clear message instead of taking the app down. Each run gets a fresh child.
//
// The rows are streamed: chunks of about CHUNK_BYTES, at most WINDOW unacknowledged, written by
// the child straight into its one N×D block. The main process never builds a second full copy
// of the features (it used to pack them into one block first: ~415 MB at 60,000 × 1,728).
import {
  VisionError,
  isTrainingRefusalCode,
  type AugmentedExample,
  type OutOfFoldOptions,
  type OutOfFoldResult,
  type TrainOptions,
  type TrainProgress,
  type TrainResult,
} from '../../vision/index';
import type { SpawnChild, WatchedChild } from '../../queue/index';
import { startWorker } from '../worker-entry';

/** The options that cross the process boundary: everything but the callback and the signal. */
export type WorkerTrainOptions = Omit<TrainOptions, 'signal' | 'onEpoch'>;
export type WorkerOutOfFoldOptions = Omit<OutOfFoldOptions, 'signal' | 'onFold'>;

export type TrainWorkerMessage =
  | {
      t: 'start';
      count: number;
      dim: number;
      labels: string[];
      augmented?: { count: number; dim: number; labels: string[]; sources: Int32Array };
      options: WorkerTrainOptions;
    }
  | { t: 'rows'; which: 'main' | 'augmented'; at: number; data: Float32Array }
  | { t: 'train' }
  /** Instead of one head: K-fold heads and every row's out-of-sample probabilities (the "likely mislabelled" queue). */
  | { t: 'oof'; options: WorkerOutOfFoldOptions }
  | { t: 'cancel' };

export type TrainWorkerReply =
  | { t: 'got'; which: 'main' | 'augmented'; at: number }
  | { t: 'epoch'; progress: TrainProgress }
  | { t: 'done'; result: TrainResult }
  | { t: 'fold'; done: number; folds: number }
  | { t: 'oof-done'; result: OutOfFoldResult }
  | { t: 'error'; code: string; message: string; trainError: boolean };

export interface TrainInWorkerData {
  features: Float32Array[];
  labels: string[];
  augmented?: AugmentedExample[];
}

export interface TrainInWorkerOptions extends WorkerTrainOptions {
  signal?: AbortSignal;
  onEpoch?: (progress: TrainProgress) => void;
  /** How the child starts (default child_process.fork; Electron: utilityProcess.fork). */
  spawn?: SpawnChild;
  /**
   * Resident memory cap of the child, MB. Default: 512 MB plus four times the features' size
   * (the trainer keeps the rows, a standardised copy of the training split and the validation
   * split), at least 1,024 MB.
   */
  memoryMb?: number;
  /** Called with the child's process id once it runs (tests kill it to check recovery). */
  onStart?: (pid: number | undefined) => void;
}

/** How long training may take to notice a cancel before its child is killed. */
const STOP_GRACE_MS = 2000;
/**
 * Bytes per message (serialising one blocks the event loop: ~2 MB is a few ms), and messages
 * sent ahead of the child's acknowledgements.
 */
const CHUNK_BYTES = 2 * 1024 * 1024;
const WINDOW = 4;
/** V8 heap cap of the child: the features are typed arrays, outside the heap. */
const HEAP_MB = 1024;

function checkRows(rows: Float32Array[], what: string): number {
  const dim = rows.length > 0 ? rows[0].length : 0;
  rows.forEach((r, i) => {
    if (r.length !== dim) throw new VisionError('dimension_mismatch', `${what} ${i} has ${r.length} features where the first has ${dim}.`);
  });
  return dim;
}

/** trainHead with the same inputs and result, in a child process. Rejects with VisionError for training's own refusals. */
export async function trainHeadInChildProcess(data: TrainInWorkerData, options: TrainInWorkerOptions = {}): Promise<TrainResult> {
  return (await runInWorker(data, options, { t: 'train' })) as TrainResult;
}

export interface OutOfFoldInWorkerOptions extends WorkerOutOfFoldOptions, Pick<TrainInWorkerOptions, 'signal' | 'spawn' | 'memoryMb' | 'onStart'> {
  onFold?: (done: number, folds: number) => void;
}

/** outOfFoldProbabilities (K-fold heads) in the training child, so minutes of arithmetic never stall the main process. */
export async function outOfFoldInChildProcess(
  data: { features: Float32Array[]; labels: string[] },
  options: OutOfFoldInWorkerOptions = {},
): Promise<OutOfFoldResult> {
  const { signal, spawn, memoryMb, onStart, onFold, ...rest } = options;
  return (await runInWorker(data, { signal, spawn, memoryMb, onStart, onFold }, { t: 'oof', options: rest })) as OutOfFoldResult;
}

type Job = Extract<TrainWorkerMessage, { t: 'train' | 'oof' }>;

async function runInWorker(
  data: TrainInWorkerData,
  options: TrainInWorkerOptions & { onFold?: (done: number, folds: number) => void },
  job: Job,
): Promise<TrainResult | OutOfFoldResult> {
  const { signal, onEpoch, onFold, spawn, memoryMb, onStart, ...rest } = options;
  if (signal?.aborted) throw new VisionError('cancelled', 'Training was cancelled.');
  const dim = checkRows(data.features, 'Picture');
  const aug = data.augmented;
  const augDim = aug
    ? checkRows(
        aug.map((r) => r.features),
        'Augmented row',
      )
    : 0;
  const bytes = (data.features.length * dim + (aug?.length ?? 0) * augDim) * 4;
  const capMb = memoryMb ?? Math.max(1024, 512 + Math.ceil((4 * bytes) / 1048576));

  return new Promise<TrainResult | OutOfFoldResult>((resolve, reject) => {
    let settled = false;
    let killTimer: NodeJS.Timeout | null = null;
    const acked = { main: 0, augmented: 0 };
    let wake: (() => void) | null = null;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      if (killTimer) clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
      wake?.();
      fn();
    };
    let worker: WatchedChild;
    try {
      worker = startWorker('train-worker', {
        spawn,
        heapMb: HEAP_MB,
        // Training fills a core for minutes in the background: the app's event loop comes first.
        niceness: 10,
        rssCapMb: capMb,
        onMessage: (raw) => {
          const m = raw as unknown as TrainWorkerReply;
          if (m.t === 'got') {
            acked[m.which]++;
            wake?.();
          } else if (m.t === 'epoch') {
            if (!settled) onEpoch?.(m.progress);
          } else if (m.t === 'fold') {
            if (!settled) onFold?.(m.done, m.folds);
          } else if (m.t === 'done' || m.t === 'oof-done') {
            finish(() => resolve(m.result));
            void worker.kill('finished');
          } else {
            const err =
              m.trainError && isTrainingRefusalCode(m.code) ? new VisionError(m.code, m.message) : Object.assign(new Error(m.message), { code: m.code });
            finish(() => reject(err));
            void worker.kill('finished');
          }
        },
        onExit: ({ cause, why }) => {
          if (cause === 'killed' && why === 'was cancelled') finish(() => reject(new VisionError('cancelled', 'Training was cancelled.')));
          const code = cause === 'memory' || cause === 'heap' ? 'memory_limit' : 'worker_crashed';
          finish(() => reject(Object.assign(new Error(`The training process ${why}.`), { code })));
        },
      });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    const onAbort = () => {
      worker.send({ t: 'cancel' } satisfies TrainWorkerMessage);
      // A child stuck in a long stretch without yielding is killed outright.
      killTimer = setTimeout(() => void worker.kill('was cancelled'), STOP_GRACE_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    /** Sends rows a chunk at a time, never more than WINDOW chunks ahead of the child. */
    const stream = async (which: 'main' | 'augmented', rows: Float32Array[], width: number) => {
      let sent = 0;
      const step = Math.max(1, Math.floor(CHUNK_BYTES / (Math.max(1, width) * 4)));
      for (let at = 0; at < rows.length && !settled; at += step) {
        while (sent - acked[which] >= WINDOW && !settled) await new Promise<void>((r) => (wake = r));
        if (settled) return;
        const n = Math.min(step, rows.length - at);
        const chunk = new Float32Array(n * width);
        for (let i = 0; i < n; i++) chunk.set(rows[at + i], i * width);
        worker.send({ t: 'rows', which, at, data: chunk } satisfies TrainWorkerMessage);
        sent++;
      }
    };

    void (async () => {
      try {
        await worker.ready();
        onStart?.(worker.pid);
        worker.send({
          t: 'start',
          count: data.features.length,
          dim,
          labels: data.labels,
          options: rest,
          ...(aug
            ? { augmented: { count: aug.length, dim: augDim, labels: aug.map((r) => r.label), sources: Int32Array.from(aug, (r) => r.source ?? -1) } }
            : {}),
        } satisfies TrainWorkerMessage);
        await stream('main', data.features, dim);
        if (aug)
          await stream(
            'augmented',
            aug.map((r) => r.features),
            augDim,
          );
        if (!settled) worker.send(job satisfies TrainWorkerMessage);
      } catch {
        // The child ended before it was ready: onExit has said why.
      }
    })();
  });
}
