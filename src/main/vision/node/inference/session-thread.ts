import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { VisionError } from '../../pure/errors';

// onnxruntime-node runs a session synchronously on the calling thread (inside a setImmediate),
// which would freeze the event loop for a whole batch and stall sharp's decodes. So the session
// lives on its own worker thread; the event loop stays free to feed the next batch.
//
// The worker is plain JavaScript evaluated from this string, so it runs the same under tsx,
// vitest and a bundled Electron build, with no extra build entry.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
let session = null;
const meta = (s) => ({ inputNames: s.inputNames, outputNames: s.outputNames, inputMetadata: s.inputMetadata });
parentPort.on('message', async (m) => {
  try {
    if (m.type === 'create') {
      if (session) { await session.release(); session = null; }
      session = await ort.InferenceSession.create(m.model, m.options);
      parentPort.postMessage({ id: m.id, ok: true, meta: meta(session) });
    } else if (m.type === 'run') {
      const feeds = {};
      for (const [k, t] of Object.entries(m.feeds)) feeds[k] = new ort.Tensor(t.type, t.data, t.dims);
      const out = await session.run(feeds);
      const result = {};
      const transfer = [];
      for (const name of m.outputs) {
        const t = out[name];
        const data = t.data.slice();
        result[name] = { type: t.type, data, dims: t.dims };
        transfer.push(data.buffer);
      }
      parentPort.postMessage({ id: m.id, ok: true, result }, transfer);
    } else if (m.type === 'release') {
      if (session) await session.release();
      session = null;
      parentPort.postMessage({ id: m.id, ok: true });
    }
  } catch (err) {
    parentPort.postMessage({ id: m.id, ok: false, error: String(err && err.message || err) });
  }
});
`;

export interface PlainTensor {
  type: 'uint8' | 'float32';
  data: Uint8Array | Float32Array;
  dims: number[];
}

export interface SessionMeta {
  inputNames: readonly string[];
  outputNames: readonly string[];
  inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
}

interface Reply {
  id: number;
  ok: boolean;
  error?: string;
  meta?: SessionMeta;
  result?: Record<string, PlainTensor>;
}

/** One ORT session on a dedicated worker thread. */
export class SessionThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private dead: Error | undefined;
  meta: SessionMeta | undefined;

  constructor() {
    const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath } });
    this.worker.unref();
    this.worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      p?.resolve(r);
    });
    const fail = (err: Error): void => {
      this.dead = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', (e) => fail(new VisionError('inference_failed', `The inference thread failed: ${e.message}`)));
    this.worker.on('exit', () => fail(new VisionError('inference_failed', 'The inference thread stopped.')));
  }

  private call(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    this.worker.ref();
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
    }).finally(() => {
      if (this.pending.size === 0) this.worker.unref();
    });
  }

  /** True once the thread has crashed or stopped; the engine then opens a fresh one. */
  get isDead(): boolean {
    return this.dead !== undefined;
  }

  /** Creates (or replaces) the session; throws an Error with ORT's message on failure. */
  async create(model: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<SessionMeta> {
    const r = await this.call({ type: 'create', model, options });
    if (!r.ok || !r.meta) throw new Error(r.error ?? 'session creation failed');
    this.meta = r.meta;
    return r.meta;
  }

  /** Runs the session; input buffers are transferred (the caller must not reuse them). */
  async run(feeds: Record<string, PlainTensor>, outputs: string[]): Promise<Record<string, PlainTensor>> {
    const transfer: ArrayBuffer[] = [];
    for (const t of Object.values(feeds)) {
      const whole = t.data.byteOffset === 0 && t.data.byteLength === t.data.buffer.byteLength;
      if (!whole || !(t.data.buffer instanceof ArrayBuffer)) t.data = t.data instanceof Float32Array ? new Float32Array(t.data) : new Uint8Array(t.data);
      transfer.push(t.data.buffer as ArrayBuffer);
    }
    const r = await this.call({ type: 'run', feeds, outputs }, transfer);
    if (!r.ok || !r.result) throw new Error(r.error ?? 'inference failed');
    return r.result;
  }

  async close(): Promise<void> {
    if (!this.dead) await this.call({ type: 'release' }).catch(() => undefined);
    await this.worker.terminate();
  }
}
