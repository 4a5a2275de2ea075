// Entry of one head-training run: a child process started by
// services/vision/train-child-process.ts (utilityProcess under Electron, child_process.fork
// headless). Training is minutes of pure arithmetic on a big dataset; here it cannot stall
// the main process's event loop (HTTP server, IPC, queue), and its memory is capped.
// The rows arrive in chunks and are written straight into one N×D block.
import { isTrainingRefusal, outOfFoldProbabilities, trainHead, type AugmentedExample } from '../vision/index';
import type { TrainWorkerMessage, TrainWorkerReply } from '../services/vision/train-child-process';
import { listenToParent, reportMemory, sendToParent } from '../queue/parent-channel';

type Start = Extract<TrainWorkerMessage, { t: 'start' }>;

const controller = new AbortController();
const send = (m: TrainWorkerReply) => sendToParent(m);
let start: Start | null = null;
let main: Float32Array | null = null;
let augmented: Float32Array | null = null;

/** One view per row onto a block: trainHead takes an array of rows. */
function views(block: Float32Array, count: number, dim: number): Float32Array[] {
  const rows = new Array<Float32Array>(count);
  for (let i = 0; i < count; i++) rows[i] = block.subarray(i * dim, (i + 1) * dim);
  return rows;
}

function augmentedRows(s: Start): AugmentedExample[] | undefined {
  const a = s.augmented;
  if (!a || !augmented) return undefined;
  return views(augmented, a.count, a.dim).map((features, i) => {
    const source = a.sources[i];
    return source >= 0 ? { features, label: a.labels[i], source } : { features, label: a.labels[i] };
  });
}

async function train(s: Start): Promise<void> {
  try {
    const result = await trainHead(
      { features: views(main!, s.count, s.dim), labels: s.labels, augmented: augmentedRows(s) },
      { ...s.options, signal: controller.signal, onEpoch: (progress) => send({ t: 'epoch', progress }) },
    );
    send({ t: 'done', result });
  } catch (err) {
    if (isTrainingRefusal(err)) send({ t: 'error', code: err.code, message: err.message, trainError: true });
    else send({ t: 'error', code: 'internal', message: err instanceof Error ? err.message : String(err), trainError: false });
  }
}

/** K-fold heads over the rows: every row's probabilities from the head that did not see it. */
async function outOfFold(s: Start, options: Extract<TrainWorkerMessage, { t: 'oof' }>['options']): Promise<void> {
  try {
    const result = await outOfFoldProbabilities(
      { features: main!, labels: s.labels },
      { ...options, signal: controller.signal, onFold: (done, folds) => send({ t: 'fold', done, folds }) },
    );
    send({ t: 'oof-done', result });
  } catch (err) {
    if (isTrainingRefusal(err)) send({ t: 'error', code: err.code, message: err.message, trainError: true });
    else send({ t: 'error', code: 'internal', message: err instanceof Error ? err.message : String(err), trainError: false });
  }
}

// trainHead yields to the event loop between batches and epochs, so a cancel message lands in time.
listenToParent((raw) => {
  const m = raw as TrainWorkerMessage;
  if (m.t === 'start') {
    start = m;
    main = new Float32Array(m.count * m.dim);
    if (m.augmented) augmented = new Float32Array(m.augmented.count * m.augmented.dim);
  } else if (m.t === 'rows') {
    const block = m.which === 'main' ? main! : augmented!;
    const dim = m.which === 'main' ? start!.dim : start!.augmented!.dim;
    block.set(m.data, m.at * dim);
    send({ t: 'got', which: m.which, at: m.at });
  } else if (m.t === 'train') void train(start!);
  else if (m.t === 'oof') void outOfFold(start!, m.options);
  else if (m.t === 'cancel') controller.abort();
});
reportMemory();
