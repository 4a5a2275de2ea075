// Starts one script run in a worker thread (entry: src/main/workers/script-worker.ts) and
// serves its host calls.
//
// Why a worker thread and not Electron's utilityProcess (the intended home, see
// docs/scripts.md): a host call must block the script synchronously, which needs memory
// shared with the thread that does the work (Atomics.wait on a SharedArrayBuffer). A
// worker thread shares memory with the main process and runs the same in Electron, the
// headless shell and tests; a utility process would need the host API re-built inside it
// (its own database handle, vision backbone…) or a blocking pipe. `resourceLimits` caps its
// heap, and terminate() ends it at once whatever it is doing.
import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  CTRL_ABORT, CTRL_LENGTH, CTRL_OUT_READ, CTRL_OUT_WRITE, CTRL_SLOTS, CTRL_STATE, DATA_BYTES, OUT_BYTES, OUT_WRAP,
  type FromWorker, type HostAnswer, type ScriptFailure, type WorkerInit,
} from './worker-protocol';
import { OutputBudget } from './limits';

export type { ScriptFailure } from './worker-protocol';

/** A host function: plain JSON-shaped values in and out; a throw becomes a catchable script error. */
export type HostImpl = (...args: unknown[]) => unknown;
export interface HostEntry {
  arity: number | [number, number];
  call: HostImpl;
}
export type HostApi = Record<string, HostEntry>;

export interface ScriptRunOptions {
  source: string;
  /** The `loupe` module; as a function it receives `write`, which adds to the run's output in order with its prints. */
  host?: HostApi | ((write: (text: string) => void) => HostApi);
  /** Wall-clock limit in ms (default 30 s). */
  timeoutMs?: number;
  /** Instruction budget (function entries + loop iterations; default 2·10⁹). */
  budget?: number;
  /** Heap cap of the worker in MiB (default 512). */
  memoryMb?: number;
  signal?: AbortSignal;
  /** Each chunk of `print` output as it arrives. */
  onOutput?: (text: string) => void;
  /** Name shown in error positions (default `script.loupe`). */
  mainPath?: string;
}

export type ScriptOutcome =
  | { ok: true; output: string; value: unknown }
  | { ok: false; output: string; error: ScriptFailure };

/** How long a script may take to notice a stop or timeout before its worker is terminated. */
const STOP_GRACE_MS = 1500;

function workerEntry(): { file: string; ts: boolean } {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  if (ext === '.ts') return { file: join(dirname(here), '..', '..', 'workers', 'script-worker.ts'), ts: true };
  // Bundled: out/main/script-worker.js, beside the entry or one level above the chunk holding this code.
  const near = join(dirname(here), 'script-worker.js');
  const file = existsSync(near) ? near : join(dirname(here), '..', 'script-worker.js');
  return { file, ts: false };
}

function startWorker(init: WorkerInit, memoryMb: number): Worker {
  const { file, ts } = workerEntry();
  const resourceLimits = { maxOldGenerationSizeMb: memoryMb, stackSizeMb: 8 };
  if (!ts) return new Worker(file, { workerData: init, resourceLimits });
  if (!existsSync(file)) throw new Error(`The script worker is missing: ${file}`);
  // Running from source (tests, tsx): the worker loads TypeScript through tsx.
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); })` +
    `.catch((e) => { console.error(e); process.exit(1); });`;
  return new Worker(boot, { eval: true, workerData: init, resourceLimits });
}

function arityOf(a: number | [number, number]): [number, number] {
  return typeof a === 'number' ? [a, a] : a;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs a script off this thread; resolves when it ends, whatever the way. Never rejects. */
export function runScript(opts: ScriptRunOptions): Promise<ScriptOutcome> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const control = new SharedArrayBuffer(CTRL_SLOTS * 4);
  const data = new SharedArrayBuffer(DATA_BYTES);
  const ctrl = new Int32Array(control);
  const bytes = new Uint8Array(data);
  const output = new SharedArrayBuffer(OUT_BYTES);
  const ring = new Uint8Array(output);
  const encoder = new TextEncoder();
  let kept = '';
  // Host output (loupe.log) joins the prints: the ring is drained before every host call.
  // One budget for both (limits.ts): lines and the run's total are cut, and past the total
  // nothing more is kept, streamed or stored.
  const budget = new OutputBudget();
  const write = (text: string) => {
    const shown = budget.take(text);
    if (!shown) return;
    kept += shown;
    opts.onOutput?.(shown);
  };
  const host: HostApi = typeof opts.host === 'function' ? opts.host(write) : (opts.host ?? {});
  const init: WorkerInit = {
    source: opts.source,
    mainPath: opts.mainPath ?? 'script.loupe',
    budget: opts.budget ?? 2e9,
    timeoutMs,
    maxMemory: 256 * 1024 * 1024,
    hostFunctions: Object.entries(host).map(([name, h]) => ({ name, arity: arityOf(h.arity) })),
    control,
    data,
    output,
  };

  return new Promise<ScriptOutcome>((resolve) => {
    const decoder = new TextDecoder();
    let settled = false;
    let stopReason: 'Cancelled.' | 'Time limit exceeded.' | null = null;
    let killTimer: NodeJS.Timeout | null = null;
    let worker: Worker;

    // Takes what the worker wrote into the ring since the last look.
    const drain = () => {
      const w = Atomics.load(ctrl, CTRL_OUT_WRITE);
      const r = Atomics.load(ctrl, CTRL_OUT_READ);
      const n = (w - r + OUT_WRAP) % OUT_WRAP;
      if (n === 0) return;
      const start = r % OUT_BYTES;
      const chunk = new Uint8Array(n);
      const first = Math.min(n, OUT_BYTES - start);
      chunk.set(ring.subarray(start, start + first), 0);
      if (first < n) chunk.set(ring.subarray(0, n - first), first);
      Atomics.store(ctrl, CTRL_OUT_READ, w);
      Atomics.notify(ctrl, CTRL_OUT_READ);
      if (budget.exhausted) return; // past the cap: the ring is emptied so the worker goes on, unread
      const text = decoder.decode(chunk, { stream: true });
      if (text) write(text);
    };
    const poll = setInterval(drain, 50);

    const finish = (outcome: ScriptOutcome) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      clearTimeout(deadline);
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      void worker?.terminate();
      resolve(outcome);
    };
    const failed = (message: string, kind: ScriptFailure['kind'] = 'limit') => {
      drain();
      finish({ ok: false, output: kept, error: { kind, message, line: 1, column: 1 } });
    };

    const answer = (a: HostAnswer) => {
      if (settled) return;
      let buf = encoder.encode(JSON.stringify(a));
      if (buf.length > DATA_BYTES) buf = encoder.encode(JSON.stringify({ ok: false, message: 'The answer of this call is too large (more than 8 MB); ask for less at a time.' }));
      bytes.set(buf, 0);
      Atomics.store(ctrl, CTRL_LENGTH, buf.length);
      Atomics.store(ctrl, CTRL_STATE, 1);
      Atomics.notify(ctrl, CTRL_STATE);
    };

    // Ask politely (the engine checks the flag every 10,000 instructions), then terminate.
    const stop = (reason: 'Cancelled.' | 'Time limit exceeded.') => {
      if (settled || stopReason) return;
      stopReason = reason;
      Atomics.store(ctrl, CTRL_ABORT, 1);
      Atomics.notify(ctrl, CTRL_STATE);
      killTimer = setTimeout(() => failed(reason), STOP_GRACE_MS);
    };
    const onAbort = () => stop('Cancelled.');
    // The engine enforces timeoutMs itself (from when the worker is up); this also catches
    // a script stuck in a host call, allowing for the worker's start.
    const deadline = setTimeout(() => stop('Time limit exceeded.'), timeoutMs + 2000);

    try {
      worker = startWorker(init, opts.memoryMb ?? 512);
    } catch (err) {
      failed(describe(err), 'runtime');
      return;
    }
    if (opts.signal?.aborted) stop('Cancelled.');
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (m: FromWorker) => {
      if (settled) return;
      if (m.t === 'call') {
        drain(); // so output printed before the call comes before anything the call logs
        const h = host[m.name];
        if (!h) return answer({ ok: false, message: `No host function ${m.name}.` });
        Promise.resolve()
          .then(() => h.call(...m.args))
          .then((value) => answer({ ok: true, value: value ?? null }), (err) => answer({ ok: false, message: describe(err) }));
      } else if (m.ok) {
        drain();
        finish({ ok: true, output: kept, value: m.value });
      } else {
        // A stop that the engine noticed reads as the engine's own message ("Cancelled.").
        const error = stopReason && m.error.message === 'Cancelled.' ? { ...m.error, message: stopReason } : m.error;
        drain();
        finish({ ok: false, output: kept, error });
      }
    });
    worker.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') failed('Memory limit exceeded.');
      else failed(`The script stopped unexpectedly: ${describe(err)}`, 'runtime');
    });
    worker.on('exit', () => failed(stopReason ?? 'The script stopped unexpectedly.', stopReason ? 'limit' : 'runtime'));
  });
}
