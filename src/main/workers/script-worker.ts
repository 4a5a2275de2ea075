// Entry of a script run: a worker thread inside the script child process
// (workers/script-child.ts). The compiled script runs synchronously here; `loupe.*` calls
// block this thread only, on Atomics.wait, while the child's main thread relays the call to
// the app and writes the answer back.
import { parentPort, workerData } from 'node:worker_threads';
import { fromLoupe, runProgram, toLoupe, type HostFunction, type HostModule, type LoupeValue } from '../lang/index';
import { hostArgsError } from '../services/scripts/limits';
import {
  CTRL_ABORT,
  CTRL_LENGTH,
  CTRL_OUT_READ,
  CTRL_OUT_WRITE,
  CTRL_SLOTS,
  CTRL_STATE,
  OUT_BYTES,
  OUT_WRAP,
  type FromWorker,
  type HostAnswer,
  type WorkerInit,
} from '../services/scripts/worker-protocol';

const init = workerData as WorkerInit;
/** Most a host call's arguments may take as plain data (the answer buffer is 8 MiB). */
const ARG_COPY_BYTES = 64 * 1024 * 1024;
const port = parentPort!;
const control = new Int32Array(init.control, 0, CTRL_SLOTS);
const data = new Uint8Array(init.data);
const decoder = new TextDecoder();

const send = (m: FromWorker) => port.postMessage(m);

const ring = new Uint8Array(init.output);
const encoder = new TextEncoder();

/** Appends to the output ring, waiting for the main thread to drain it when full. */
function write(text: string): void {
  const bytes = encoder.encode(text);
  let at = 0;
  while (at < bytes.length) {
    const w = Atomics.load(control, CTRL_OUT_WRITE);
    const r = Atomics.load(control, CTRL_OUT_READ);
    const free = OUT_BYTES - ((w - r + OUT_WRAP) % OUT_WRAP);
    if (free === 0) {
      if (signal.aborted) return;
      Atomics.wait(control, CTRL_OUT_READ, r, 100);
      continue;
    }
    const pos = w % OUT_BYTES;
    const n = Math.min(free, bytes.length - at, OUT_BYTES - pos);
    ring.set(bytes.subarray(at, at + n), pos);
    at += n;
    Atomics.store(control, CTRL_OUT_WRITE, (w + n) % OUT_WRAP);
  }
}

const signal = {
  get aborted() {
    return Atomics.load(control, CTRL_ABORT) === 1;
  },
};

function hostCall(name: string, args: LoupeValue[]): LoupeValue {
  if (signal.aborted) throw new Error('Cancelled.');
  // Bounded copy first (h2): a list holding itself many times over must not expand
  // exponentially here (ARG_COPY_BYTES for all the arguments together). Then the tighter cap
  // on what may be relayed to the app (limits.ts: MAX_HOST_ARG_BYTES); the stricter applies.
  const room = { left: ARG_COPY_BYTES };
  const plain = args.map((a) => fromLoupe(a, new Set(), room));
  const tooLarge = hostArgsError(name, plain);
  if (tooLarge) throw new Error(tooLarge);
  Atomics.store(control, CTRL_STATE, 0);
  send({ t: 'call', name, args: plain });
  // Woken by the answer, or by a stop request (the main thread notifies either way).
  while (Atomics.load(control, CTRL_STATE) === 0) Atomics.wait(control, CTRL_STATE, 0, 1000);
  const bytes = Atomics.load(control, CTRL_LENGTH);
  const answer = JSON.parse(decoder.decode(data.slice(0, bytes))) as HostAnswer;
  Atomics.store(control, CTRL_STATE, 0);
  if (!answer.ok) throw new Error(answer.message);
  return toLoupe(answer.value);
}

const loupe: HostModule = {};
for (const f of init.hostFunctions) {
  const fn: HostFunction = { arity: f.arity, call: (...args) => hostCall(f.name, args) };
  loupe[f.name] = fn;
}

const r = runProgram(init.source, {
  mainPath: init.mainPath,
  // Scripts are one file: importing other .loupe files is not offered to them yet.
  readFile: () => null,
  hostModules: { loupe },
  budget: init.budget,
  timeoutMs: init.timeoutMs,
  maxMemory: init.maxMemory,
  ...(init.maxElements !== undefined ? { maxElements: init.maxElements } : {}),
  signal,
  stdout: write,
});
if (r.error) send({ t: 'done', ok: false, error: r.error });
else send({ t: 'done', ok: true, value: r.value ?? null });
