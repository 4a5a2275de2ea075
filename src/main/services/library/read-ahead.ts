import type { Worker } from 'node:worker_threads';
import { FileRefused } from '../../vision/node/preprocess/read-file';
import { startWorkerThread } from '../worker-entry';
import type { ReadRequest, WireResult } from './read-ahead-protocol';

/**
 * Reads an import's files ahead of its ingest, on a thread of its own, a batch per message.
 *
 * Why: reading a file through libuv's pool is five calls (stat, open, fstat, read, close), each a
 * hand-off to a pool thread and back, about ten thread wake-ups per picture. On two cores each of
 * those crosses cores, and the server spent more CPU per picture on them than on everything else
 * it does for a small picture. Here one thread reads a batch with plain blocking calls and hands
 * the bytes over (transferred, not copied) with their SHA-256, which also leaves the main thread.
 * A read that blocks (a hung network mount) holds this thread, as it held a pool thread before,
 * never the event loop. The thread is workers/read-ahead-worker.ts, with read-file.ts's checks
 * (readRegularFileSync): only regular files, never waited on.
 *
 * One file read ahead: its bytes and SHA-256, or the refusal readRegularFile would have thrown. */
export type ReadAhead = { ok: true; bytes: Buffer; hash: string } | { ok: false; error: FileRefused | Error };

/** The reading thread, started on first use and stopped when idle (it holds no state between batches). */
export class ReaderThread {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, { resolve: (r: ReadAhead[]) => void; reject: (e: Error) => void }>();
  private nextId = 1;

  /** Reads `paths` in order until `budget` bytes are read (at least one file): one result per file read. */
  read(paths: readonly string[], maxBytes: number, budget: number): Promise<ReadAhead[]> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<ReadAhead[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, paths, maxBytes, budget } satisfies ReadRequest);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorkerThread('read-ahead-worker');
    worker.on('message', (m: { id: number; results: WireResult[] }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      p?.resolve(m.results.map(fromWire));
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', (e) => fail(new Error(`The file reading thread failed: ${e.message}`)));
    worker.on('exit', () => fail(new Error('The file reading thread stopped.')));
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

function fromWire(r: WireResult): ReadAhead {
  if (r.ok) return { ok: true, bytes: Buffer.from(r.bytes, r.offset, r.length), hash: r.hash };
  if (r.reason === 'unreadable') return { ok: false, error: Object.assign(new Error(r.message), { code: 'EIO', syscall: 'read' }) };
  return { ok: false, error: new FileRefused(r.reason, r.message) };
}

/**
 * The files of one import, read in batches a step ahead of the ingest that takes them: at most
 * `batch` files or about `budget` bytes per message, the next batch asked for as soon as the
 * current one arrives. Callers may take at once; each gets the next file in order.
 */
export class ReadAheadQueue {
  private next = 0;
  private ahead: Promise<ReadAhead[]> | null = null;
  private results: ReadAhead[] = [];
  private at = 0;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly reader: ReaderThread,
    private readonly paths: readonly string[],
    private readonly maxBytes: number,
    private readonly signal: AbortSignal,
    private readonly batch = 16,
    private readonly budget = 16 * 2 ** 20,
  ) {}

  /** The next file's read, in the order of `paths`, or null once all were handed out or the import was aborted. */
  take(): Promise<ReadAhead | null> {
    const mine = this.turn.then(() => this.takeOne());
    this.turn = mine.catch(() => {});
    return mine;
  }

  private async takeOne(): Promise<ReadAhead | null> {
    while (this.at >= this.results.length) {
      if (this.signal.aborted) return null;
      const batch = this.ahead ?? this.request();
      if (!batch) return null;
      this.ahead = null;
      this.results = await batch;
      this.at = 0;
      this.next += this.results.length;
      if (!this.signal.aborted) this.ahead = this.request();
    }
    return this.results[this.at++];
  }

  private request(): Promise<ReadAhead[]> | null {
    if (this.next >= this.paths.length) return null;
    return this.reader.read(this.paths.slice(this.next, this.next + this.batch), this.maxBytes, this.budget);
  }
}
