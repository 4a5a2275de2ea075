// The import's read-ahead thread (services/library/read-ahead.ts): reads a batch of files with
// blocking calls and readRegularFile's checks, hashes each, and hands the bytes over without a
// copy. A read that blocks (a hung network mount) holds this thread, never the app's.
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { FileRefused, readRegularFileSync } from '../vision/node/preprocess/read-file';
import type { ReadRequest, WireResult } from '../services/library/read-ahead-protocol';

function readOne(path: string, maxBytes: number): WireResult {
  try {
    const bytes = readRegularFileSync(path, maxBytes);
    // allocUnsafeSlow: a plain ArrayBuffer of its own, never a SharedArrayBuffer.
    return {
      ok: true,
      bytes: bytes.buffer as ArrayBuffer,
      offset: bytes.byteOffset,
      length: bytes.length,
      hash: createHash('sha256').update(bytes).digest('hex'),
    };
  } catch (err) {
    if (err instanceof FileRefused) return { ok: false, reason: err.reason, message: err.message };
    const e = err as NodeJS.ErrnoException;
    return { ok: false, reason: 'unreadable', message: `${path} cannot be read (${e.code ?? e.message}).` };
  }
}

const port = parentPort!;
port.on('message', (m: ReadRequest) => {
  // Files in order until the batch's byte budget is spent (at least one file).
  const results: WireResult[] = [];
  let bytes = 0;
  for (const path of m.paths) {
    if (results.length > 0 && bytes >= m.budget) break;
    const r = readOne(path, m.maxBytes);
    if (r.ok) bytes += r.length;
    results.push(r);
  }
  // Each file has an ArrayBuffer of its own (allocUnsafeSlow): handing it over moves it.
  const transfer = results.flatMap((r) => (r.ok ? [r.bytes] : []));
  port.postMessage({ id: m.id, results }, [...new Set(transfer)]);
});
