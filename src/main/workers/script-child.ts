// The child process scripts run in (a utility process under Electron, child_process.fork
// headless: the queue engine's WatchedChild, started by services/worker-entry.ts). Whatever a script does to V8 (a fatal "invalid
// size" error, a heap abort, a SIGKILL from outside) ends this process, never the app: the
// app sees the exit and reports it as the run's error.
//
// Each run gets its own worker thread here (workers/script-worker.ts). Its host calls block
// it on Atomics.wait against this thread, which relays them to the app over process IPC
// and writes the answers back into shared memory; its print output comes through a shared
// ring that this thread drains and forwards.
import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  CTRL_ABORT,
  CTRL_LENGTH,
  CTRL_OUT_READ,
  CTRL_OUT_WRITE,
  CTRL_SLOTS,
  CTRL_STATE,
  DATA_BYTES,
  OUT_BYTES,
  OUT_WRAP,
  type ChildRun,
  type FromChild,
  type FromWorker,
  type ScriptFailure,
  type ToChild,
  type WorkerInit,
} from '../services/scripts/worker-protocol';
import { listenToParent, reportMemory, sendToParent } from '../queue/parent-channel';

/** How long a script may take to notice a stop before its worker is terminated. */
const STOP_GRACE_MS = 1000;

const send = (m: FromChild): void => sendToParent(m);

function workerEntry(): { file: string; ts: boolean } {
  const here = fileURLToPath(import.meta.url);
  if (extname(here) === '.ts') return { file: join(dirname(here), 'script-worker.ts'), ts: true };
  const near = join(dirname(here), 'script-worker.js');
  return { file: existsSync(near) ? near : join(dirname(here), '..', 'script-worker.js'), ts: false };
}

function startWorker(init: WorkerInit, memoryMb: number): Worker {
  const { file, ts } = workerEntry();
  const resourceLimits = { maxOldGenerationSizeMb: memoryMb, stackSizeMb: 8 };
  if (!existsSync(file)) throw new Error(`The script worker is missing: ${file}`);
  if (!ts) return new Worker(file, { workerData: init, resourceLimits });
  // Running from source (tests, tsx): the worker loads TypeScript through tsx.
  const boot =
    `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); })` +
    `.catch((e) => { console.error(e); process.exit(1); });`;
  return new Worker(boot, { eval: true, workerData: init, resourceLimits });
}

class Run {
  private readonly ctrl: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly ring: Uint8Array;
  private readonly decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();
  private readonly worker: Worker;
  private readonly poll: NodeJS.Timeout;
  private ended = false;
  /** The app's output budget is spent: the ring is still emptied (the worker goes on), unread. */
  private quiet = false;
  private killTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly r: ChildRun,
    private readonly onEnd: () => void,
  ) {
    const control = new SharedArrayBuffer(CTRL_SLOTS * 4);
    const data = new SharedArrayBuffer(DATA_BYTES);
    const output = new SharedArrayBuffer(OUT_BYTES);
    this.ctrl = new Int32Array(control);
    this.bytes = new Uint8Array(data);
    this.ring = new Uint8Array(output);
    const init: WorkerInit = {
      source: r.source,
      mainPath: r.mainPath,
      budget: r.budget,
      timeoutMs: r.timeoutMs,
      maxMemory: r.maxMemory,
      hostFunctions: r.hostFunctions,
      control,
      data,
      output,
      ...(r.maxElements !== undefined ? { maxElements: r.maxElements } : {}),
    };
    this.poll = setInterval(() => this.drain(), 50);
    try {
      this.worker = startWorker(init, r.memoryMb);
    } catch (err) {
      this.worker = null as unknown as Worker;
      this.fail(err instanceof Error ? err.message : String(err), 'runtime');
      return;
    }
    this.worker.on('message', (m: FromWorker) => {
      if (this.ended) return;
      this.drain(); // output printed before a call or the end comes first
      if (m.t === 'call') send({ t: 'call', id: r.id, name: m.name, args: m.args });
      else if (m.ok) this.end({ t: 'done', id: r.id, ok: true, value: m.value });
      else this.end({ t: 'done', id: r.id, ok: false, error: m.error });
    });
    this.worker.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') this.fail('Memory limit exceeded.', 'limit');
      else this.fail(`The script stopped unexpectedly: ${err.message}`, 'runtime');
    });
    this.worker.on('exit', () =>
      this.fail(
        Atomics.load(this.ctrl, CTRL_ABORT) ? 'Cancelled.' : 'The script stopped unexpectedly.',
        Atomics.load(this.ctrl, CTRL_ABORT) ? 'limit' : 'runtime',
      ),
    );
  }

  /** Forwards what the worker wrote into the ring since the last look. */
  private drain(): void {
    const w = Atomics.load(this.ctrl, CTRL_OUT_WRITE);
    const rd = Atomics.load(this.ctrl, CTRL_OUT_READ);
    const n = (w - rd + OUT_WRAP) % OUT_WRAP;
    if (n === 0) return;
    const start = rd % OUT_BYTES;
    const chunk = new Uint8Array(n);
    const first = Math.min(n, OUT_BYTES - start);
    chunk.set(this.ring.subarray(start, start + first), 0);
    if (first < n) chunk.set(this.ring.subarray(0, n - first), first);
    Atomics.store(this.ctrl, CTRL_OUT_READ, w);
    Atomics.notify(this.ctrl, CTRL_OUT_READ);
    if (this.quiet) return;
    const text = this.decoder.decode(chunk, { stream: true });
    if (text) send({ t: 'out', id: this.r.id, text });
  }

  /** The app kept all the output it will keep (script-runner.ts). */
  silence(): void {
    this.quiet = true;
  }

  answer(json: string): void {
    if (this.ended) return;
    let buf = this.encoder.encode(json);
    if (buf.length > DATA_BYTES)
      buf = this.encoder.encode(JSON.stringify({ ok: false, message: 'The answer of this call is too large (more than 8 MB); ask for less at a time.' }));
    this.bytes.set(buf, 0);
    Atomics.store(this.ctrl, CTRL_LENGTH, buf.length);
    Atomics.store(this.ctrl, CTRL_STATE, 1);
    Atomics.notify(this.ctrl, CTRL_STATE);
  }

  /** Asks politely (the engine checks the flag every 10,000 instructions), then terminates. */
  stop(): void {
    if (this.ended || this.killTimer) return;
    Atomics.store(this.ctrl, CTRL_ABORT, 1);
    Atomics.notify(this.ctrl, CTRL_STATE);
    this.killTimer = setTimeout(() => this.fail('Cancelled.', 'limit'), STOP_GRACE_MS);
  }

  private fail(message: string, kind: ScriptFailure['kind']): void {
    if (this.ended) return;
    this.drain();
    this.end({ t: 'done', id: this.r.id, ok: false, error: { kind, message, line: 1, column: 1 } });
  }

  private end(m: FromChild): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.poll);
    if (this.killTimer) clearTimeout(this.killTimer);
    send(m);
    void this.worker?.terminate();
    this.onEnd();
  }
}

const runs = new Map<number, Run>();

listenToParent((raw) => {
  const m = raw as ToChild;
  if (m.t === 'run') runs.set(m.run.id, new Run(m.run, () => runs.delete(m.run.id)));
  else if (m.t === 'answer') runs.get(m.id)?.answer(m.json);
  else if (m.t === 'stop') runs.get(m.id)?.stop();
  else if (m.t === 'quiet') runs.get(m.id)?.silence();
});
reportMemory();
