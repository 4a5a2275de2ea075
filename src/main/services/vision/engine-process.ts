// The backbone's InferenceEngine in its own process (entry: src/main/workers/inference-worker.ts).
// Decode, resize and inference all happen there: a picture crosses as a path or its encoded
// bytes, and only its embedding (1,536 floats with the default backbone) comes back. A crash of that process (kill -9,
// a native fault) fails the requests in flight with a clear error and marks this host dead;
// BackboneHost then starts a fresh process for the next request.
import {
  cardPathFor,
  readModelCard,
  VisionError,
  type DecodedAhead,
  type EmbedInput,
  type EmbedResult,
  type EngineOptions,
  type EngineReport,
  type ModelCard,
} from '../../vision/index';
import type { SpawnChild, WatchedChild } from '../../queue/index';
import { startWorker } from '../worker-entry';
import type { VariantResult } from './augmentation';

/** Messages to and from the inference process (structured-clone safe). */
export type InferenceRequest =
  | { t: 'open'; options: EngineOptions }
  | { t: 'embed'; id: number; inputs: Array<string | Uint8Array | { pixels: Uint8Array }> }
  | { t: 'preprocess'; id: number; input: string | Uint8Array }
  | { t: 'decode-ahead'; id: number; input: Uint8Array | string; path: string; thumbnailSide: number }
  | { t: 'variants'; id: number; paths: string[] }
  | { t: 'abort'; id: number }
  | { t: 'close' };

export type InferenceReply =
  | { t: 'opened'; report: EngineReport }
  | { t: 'reply'; id: number; ok: true; value: unknown }
  | { t: 'reply'; id: number; ok: false; error: { code: string; message: string } };

export interface EngineProcessOptions extends EngineOptions {
  spawn?: SpawnChild;
  /** V8 heap cap of the process (default 1024 MB; images and tensors live outside it). */
  heapMb?: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  /** Settles when the request does, either way (close waits on these). */
  done: Promise<unknown>;
}

/** Bytes cross as a plain Uint8Array: a Buffer's pool slice must not drag its whole pool along. */
function wire(input: EmbedInput): string | Uint8Array | { pixels: Uint8Array } {
  if (typeof input === 'string') return input;
  if (Buffer.isBuffer(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  return input;
}

export class EngineProcess {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: VisionError | null = null;
  private closing = false;
  private reportValue: EngineReport | null = null;

  private constructor(
    private readonly worker: WatchedChild,
    readonly card: ModelCard,
  ) {}

  /** Starts the process and opens the engine there (model load and warm-up); rejects with the engine's own error. */
  static async open(options: EngineProcessOptions): Promise<EngineProcess> {
    const { spawn, heapMb = 1024, ...engineOptions } = options;
    const card = readModelCard(options.cardPath ?? cardPathFor(options.modelPath));
    const box: { host?: EngineProcess } = {};
    let opened!: (r: EngineReport) => void;
    let failed!: (e: Error) => void;
    const ready = new Promise<EngineReport>((resolve, reject) => {
      opened = resolve;
      failed = reject;
    });
    const worker = startWorker('inference-worker', {
      spawn,
      heapMb,
      // Embedding a batch fills both cores for seconds; the app's event loop (the UI's API,
      // health) must still win a core when it wants one. 5, not 10: a person waiting on a
      // prediction is waiting on this process too.
      niceness: 5,
      onMessage: (m) => {
        const r = m as unknown as InferenceReply;
        if (r.t === 'opened') opened(r.report);
        else if (r.t === 'reply' && r.id === 0 && !r.ok) failed(new VisionError(r.error.code as VisionError['code'], r.error.message));
        else if (r.t === 'reply') box.host?.settle(r);
      },
      onExit: ({ why }) => {
        const err = new VisionError('inference_failed', `The inference process ${why}; the next request starts a new one.`);
        failed(err);
        box.host?.fail(err);
      },
    });
    const host = new EngineProcess(worker, card);
    box.host = host;
    try {
      await worker.ready();
      worker.send({ t: 'open', options: engineOptions } satisfies InferenceRequest);
      host.reportValue = await ready;
    } catch (err) {
      void worker.kill('was closed');
      throw err instanceof VisionError ? err : new VisionError('inference_failed', `The inference process could not start: ${(err as Error).message}`);
    }
    return host;
  }

  get pid(): number | undefined {
    return this.worker.pid;
  }

  /** True once the process has gone (crashed, killed or closed): open a new one. */
  get dead(): boolean {
    return this.failure !== null || this.worker.exited;
  }

  report(): EngineReport {
    return this.reportValue!;
  }

  /** One result per input, in order, as InferenceEngine.embed; rejects with `aborted`, `engine_closed` or a crash. */
  embed(inputs: EmbedInput[], options: { signal?: AbortSignal } = {}): Promise<EmbedResult[]> {
    return this.call<EmbedResult[]>((id) => ({ t: 'embed', id, inputs: inputs.map(wire) }), options.signal);
  }

  /** The engine's resize of one picture: RGB bytes at the model's input size. */
  async preprocess(input: Buffer | string): Promise<Buffer> {
    const px = await this.call<Uint8Array>((id) => ({ t: 'preprocess', id, input: wire(input) as string | Uint8Array }));
    return Buffer.from(px.buffer, px.byteOffset, px.byteLength);
  }

  /**
   * Checks a picture and makes its thumbnail in this process, which keeps the pixels for the
   * embedding of the file at `path` that follows (InferenceEngine.decodeAhead): the import's decode
   * and the embedding's are one. `input` is the picture's bytes, or the path of a file the app
   * wrote itself (a staged library file), read there whole: a big picture then crosses no pipe.
   */
  async decodeAhead(input: Buffer | string, path: string, thumbnailSide: number): Promise<DecodedAhead> {
    const a = await this.call<Omit<DecodedAhead, 'thumbnail'> & { thumbnail: Uint8Array }>((id) => ({
      t: 'decode-ahead',
      id,
      input: wire(input) as Uint8Array | string,
      path,
      thumbnailSide,
    }));
    return { ...a, thumbnail: Buffer.from(a.thumbnail.buffer, a.thumbnail.byteOffset, a.thumbnail.byteLength) };
  }

  /** Augmented copies of each picture embedded where it is decoded: no pixels cross (see augmentation.ts). */
  embedVariants(paths: string[], options: { signal?: AbortSignal } = {}): Promise<VariantResult[]> {
    return this.call<VariantResult[]>((id) => ({ t: 'variants', id, paths }), options.signal);
  }

  private call<T>(message: (id: number) => InferenceRequest, signal?: AbortSignal): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new VisionError('engine_closed', 'The inference engine is closed.'));
    if (signal?.aborted) return Promise.reject(new VisionError('aborted', 'Embedding was cancelled.'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        // The process drops the work it has not started; the caller is answered at once.
        this.worker.send({ t: 'abort', id } satisfies InferenceRequest);
        const p = this.pending.get(id);
        this.pending.delete(id);
        p?.reject(new VisionError('aborted', 'Embedding was cancelled.'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let settled!: () => void;
      const done = new Promise<unknown>((r) => (settled = () => r(undefined)));
      const finish = () => {
        signal?.removeEventListener('abort', onAbort);
        settled();
      };
      this.pending.set(id, {
        resolve: (v) => (finish(), resolve(v as T)),
        reject: (e) => (finish(), reject(e)),
        done,
      });
      this.worker.send(message(id));
    });
  }

  private settle(r: Extract<InferenceReply, { t: 'reply' }>): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (r.ok) p.resolve(r.value);
    else p.reject(new VisionError(r.error.code as VisionError['code'], r.error.message));
  }

  private fail(err: VisionError): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Lets requests in flight finish, then ends the process (killed if it does not leave within 2 s). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.race([this.worker.whenExited, Promise.allSettled([...this.pending.values()].map((p) => p.done))]);
    this.worker.send({ t: 'close' } satisfies InferenceRequest);
    const timer = setTimeout(() => void this.worker.kill('was closed'), 2000);
    await this.worker.whenExited;
    clearTimeout(timer);
  }
}
