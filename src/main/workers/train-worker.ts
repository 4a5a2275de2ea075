// Entry of one head-training run: a worker thread started by
// services/vision/train-in-worker.ts. Training is minutes of pure arithmetic on a big
// dataset; here it cannot stall the main thread's event loop (HTTP server, IPC, queue).
// The features arrive as one transferred N×D block; the head's arrays are transferred back.
import { parentPort, workerData } from 'node:worker_threads';
import { isVisionTrainError, trainHead, type AugmentedExample } from '../vision/index';
import type { TrainWorkerInit, TrainWorkerMessage, TrainWorkerReply } from '../services/vision/train-in-worker';

const init = workerData as TrainWorkerInit;
const port = parentPort!;
const controller = new AbortController();
const send = (m: TrainWorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

// trainHead yields to the event loop between batches and epochs, so a cancel message lands in time.
port.on('message', (m: TrainWorkerMessage) => {
  if (m.t === 'cancel') controller.abort();
});

function unpackAugmented(): AugmentedExample[] | undefined {
  const a = init.augmented;
  if (!a) return undefined;
  const rows: AugmentedExample[] = [];
  for (let i = 0; i < a.labels.length; i++) {
    const features = a.features.subarray(i * a.dim, (i + 1) * a.dim);
    const source = a.sources[i];
    rows.push(source >= 0 ? { features, label: a.labels[i], source } : { features, label: a.labels[i] });
  }
  return rows;
}

async function main(): Promise<void> {
  try {
    const result = await trainHead(
      { features: unpackRows(), labels: init.labels, augmented: unpackAugmented() },
      { ...init.options, signal: controller.signal, onEpoch: (progress) => send({ t: 'epoch', progress }) },
    );
    const transfer: ArrayBuffer[] = [];
    const own = (a: Float32Array | Int32Array) => {
      if (a.buffer instanceof ArrayBuffer && !transfer.includes(a.buffer)) transfer.push(a.buffer);
    };
    own(result.head.mean);
    own(result.head.std);
    for (const l of result.head.layers) {
      own(l.weight);
      own(l.bias);
    }
    own(result.validationProbabilities);
    own(result.validationTruth);
    send({ t: 'done', result }, transfer);
  } catch (err) {
    if (isVisionTrainError(err)) send({ t: 'error', code: err.code, message: err.message, trainError: true });
    else send({ t: 'error', code: 'internal', message: err instanceof Error ? err.message : String(err), trainError: false });
  }
}

/** One view per picture onto the shared block: trainHead takes an array of rows. */
function unpackRows(): Float32Array[] {
  const { features, count, dim } = init;
  const rows: Float32Array[] = new Array<Float32Array>(count);
  for (let i = 0; i < count; i++) rows[i] = features.subarray(i * dim, (i + 1) * dim);
  return rows;
}

void main();
