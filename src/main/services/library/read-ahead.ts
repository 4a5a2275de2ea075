import { Worker } from 'node:worker_threads';
import { FileRefused, type FileRefusalReason } from '../../vision/node/preprocess/read-file';

/**
 * Reads an import's files ahead of its ingest, on a thread of its own, a batch per message.
 *
 * Why: reading a file through libuv's pool is five calls (stat, open, fstat, read, close), each a
 * hand-off to a pool thread and back, about ten thread wake-ups per picture. On two cores each of
 * those crosses cores, and the server spent more CPU per picture on them than on everything else
 * it does for a small picture. Here one thread reads a batch with plain blocking calls and hands
 * the bytes over (transferred, not copied) with their SHA-256, which also leaves the main thread.
 * A read that blocks (a hung network mount) holds this thread, as it held a pool thread before,
 * never the event loop. The checks are read-file.ts's: only regular files, never waited on.
 */
const SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK || 0);
const kindOf = (s) => s.isDirectory() ? 'a folder, not a file' : s.isFIFO() ? 'a named pipe, not a file' : s.isSocket() ? 'a socket, not a file'
  : (s.isCharacterDevice() || s.isBlockDevice()) ? 'a device, not a file' : 'not a regular file';
const refuse = (reason, message) => ({ ok: false, reason, message });
const mib = (n) => Math.floor(n / 1048576);
function readOne(path, max) {
  let st;
  try { st = fs.statSync(path); } catch { return refuse('not_found', path + ' does not exist or cannot be reached.'); }
  if (!st.isFile()) return refuse('not_a_file', path + ' is ' + kindOf(st) + '; only regular files can be read.');
  let fd;
  try { fd = fs.openSync(path, FLAGS); } catch (e) {
    if (e.code === 'ENXIO') return refuse('not_a_file', path + ' is not a regular file; only regular files can be read.');
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return refuse('not_found', path + ' does not exist or cannot be reached.');
    return refuse('unreadable', path + ' cannot be read (' + e.code + ').');
  }
  try {
    const info = fs.fstatSync(fd);
    if (!info.isFile()) return refuse('not_a_file', path + ' is ' + kindOf(info) + '; only regular files can be read.');
    if (info.size === 0) return refuse('empty', path + ' is empty (0 bytes).');
    if (info.size > max) return refuse('too_large', path + ' is larger than ' + mib(max) + ' MiB.');
    // One byte more than fstat said: a short read means the end; growth is read and capped too.
    const chunks = [];
    let total = 0;
    for (;;) {
      const want = total === 0 ? info.size + 1 : Math.max(info.size - total, 65536);
      const buf = Buffer.allocUnsafeSlow(Math.min(want, max + 1 - total));
      if (buf.length === 0) return refuse('too_large', path + ' is larger than ' + mib(max) + ' MiB.');
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
      total += n;
      if (total > max) return refuse('too_large', path + ' is larger than ' + mib(max) + ' MiB.');
      if (n < buf.length) break;
    }
    if (total === 0) return refuse('empty', path + ' is empty (0 bytes).');
    const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
    return { ok: true, bytes, hash: createHash('sha256').update(bytes).digest('hex') };
  } catch (e) {
    return refuse('unreadable', path + ' cannot be read (' + (e.code || e.message) + ').');
  } finally {
    fs.closeSync(fd);
  }
}
parentPort.on('message', (m) => {
  // Files in order until the batch's byte budget is spent (at least one file).
  const results = [];
  let bytes = 0;
  for (const p of m.paths) {
    if (results.length > 0 && bytes >= m.budget) break;
    const r = readOne(p, m.maxBytes);
    if (r.ok) bytes += r.bytes.length;
    results.push(r);
  }
  // A whole ArrayBuffer per file (allocUnsafeSlow), so handing it over moves it, no copy.
  const transfer = results.filter((r) => r.ok).map((r) => r.bytes.buffer);
  parentPort.postMessage({ id: m.id, results: results.map((r) => r.ok ? { ok: true, bytes: r.bytes.buffer, offset: r.bytes.byteOffset, length: r.bytes.length, hash: r.hash } : r) }, [...new Set(transfer)]);
});
`;

/** One file read ahead: its bytes and SHA-256, or the refusal readRegularFile would have thrown. */
export type ReadAhead = { ok: true; bytes: Buffer; hash: string } | { ok: false; error: FileRefused | Error };

type WireResult =
  { ok: true; bytes: ArrayBuffer; offset: number; length: number; hash: string } | { ok: false; reason: FileRefusalReason | 'unreadable'; message: string };

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
      worker.postMessage({ id, paths, maxBytes, budget });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(SOURCE, { eval: true });
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
