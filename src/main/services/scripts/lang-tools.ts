// `scripts.check` and `scripts.format` in a worker thread (workers/lang-worker.ts), one
// request at a time in order, so a huge source never blocks the app's thread. The worker
// starts on first use, is replaced if it dies, and is given a time limit per request.
import type { Worker } from 'node:worker_threads';
import { startWorkerThread } from '../worker-entry';
import type { Diagnostic } from '../../lang/index';
import type { LangReply, LangRequest } from './lang-protocol';

/** A check or format that takes longer than this is abandoned (its worker replaced). */
const REQUEST_TIMEOUT_MS = 30_000;

function startWorker(): Worker {
  return startWorkerThread('lang-worker', { resourceLimits: { maxOldGenerationSizeMb: 512, stackSizeMb: 8 } });
}

interface Pending {
  request: LangRequest;
  resolve(reply: LangReply): void;
}

export class LangTools {
  private worker: Worker | null = null;
  private queue: Pending[] = [];
  private current: Pending | null = null;
  private timer: NodeJS.Timeout | null = null;
  private nextId = 1;
  private closed = false;

  async check(source: string): Promise<{ diagnostics: Diagnostic[]; more: number }> {
    const r = await this.ask('check', source);
    if (!r.ok) throw new Error(r.message);
    return 'diagnostics' in r ? { diagnostics: r.diagnostics, more: r.more } : { diagnostics: [], more: 0 };
  }

  async format(source: string): Promise<string> {
    const r = await this.ask('format', source);
    if (!r.ok) throw new Error(r.message);
    return 'source' in r ? r.source : source;
  }

  close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue) p.resolve({ id: p.request.id, ok: false, message: 'Loupe is shutting down.' });
    this.queue = [];
    const w = this.worker;
    this.worker = null;
    return w ? w.terminate().then(() => undefined) : Promise.resolve();
  }

  private ask(op: LangRequest['op'], source: string): Promise<LangReply> {
    if (this.closed) return Promise.resolve({ id: 0, ok: false, message: 'Loupe is shutting down.' });
    return new Promise((resolve) => {
      this.queue.push({ request: { id: this.nextId++, op, source }, resolve });
      this.pump();
    });
  }

  private pump(): void {
    if (this.current || this.queue.length === 0 || this.closed) return;
    this.current = this.queue.shift()!;
    const w = this.ensureWorker();
    this.timer = setTimeout(() => this.fail('Checking this script took too long.'), REQUEST_TIMEOUT_MS);
    w.postMessage(this.current.request);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = startWorker();
    w.unref();
    w.on('message', (r: LangReply) => {
      if (!this.current || r.id !== this.current.request.id) return;
      this.settle(r);
    });
    w.on('error', (err) => this.fail(`The script checker stopped: ${err.message}`));
    w.on('exit', () => {
      if (this.worker === w) this.worker = null;
      this.fail('The script checker stopped unexpectedly.');
    });
    this.worker = w;
    return w;
  }

  private settle(r: LangReply): void {
    const p = this.current;
    if (!p) return;
    if (this.timer) clearTimeout(this.timer);
    this.current = null;
    p.resolve(r);
    this.pump();
  }

  /** Ends the request in flight with `message` and replaces the worker, which may be stuck. */
  private fail(message: string): void {
    const p = this.current;
    if (!p) return;
    const w = this.worker;
    this.worker = null;
    void w?.terminate();
    this.settle({ id: p.request.id, ok: false, message });
  }
}
