// Reads a file that someone named (a script, an import, a request) and refuses anything
// but a regular file, without ever waiting on one.
//
// Why not `stat` then `readFile`: opening a named pipe (FIFO) for reading waits for a
// writer forever, and a device such as /dev/zero never ends. Either one holds a thread of
// libuv's pool (four by default) for good, and four of them stall every file operation of
// the process. A name that `stat` calls a file can also be swapped for a pipe before the
// read. So: a `stat` first (refuses the obvious cases without opening anything: opening
// some devices has effects of its own), then an open with O_NONBLOCK (returns at once on a
// pipe) and `fstat` on the opened descriptor, which says what was really opened.
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';

const READ_NONBLOCK = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Why a file was refused: the caller maps these to its own error codes. */
export type FileRefusalReason = 'not_found' | 'not_a_file' | 'empty' | 'too_large';

export class FileRefused extends Error {
  constructor(
    readonly reason: FileRefusalReason,
    message: string,
  ) {
    super(message);
    this.name = 'FileRefused';
  }
}

function kindOf(s: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

const notAFile = (path: string, kind: string) =>
  new FileRefused('not_a_file', `${path} is ${kind === 'not a regular file' ? kind : `${kind}, not a file`}; only regular files can be read.`);
const notFound = (path: string) => new FileRefused('not_found', `${path} does not exist or cannot be reached.`);
const empty = (path: string) => new FileRefused('empty', `${path} is empty (0 bytes).`);
const tooLarge = (path: string, maxBytes: number) => new FileRefused('too_large', `${path} is larger than ${Math.floor(maxBytes / 2 ** 20)} MiB.`);

/** What an open that failed means: ENXIO a socket, or a pipe swapped in for writing only; ENOENT removed meanwhile. */
function openRefusal(path: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENXIO') return notAFile(path, 'not a regular file');
  if (code === 'ENOENT' || code === 'ENOTDIR') return notFound(path);
  return err;
}

/**
 * The next read's size: the first asks for one byte more than fstat's size (a short read then
 * means the end, and the usual file costs one read, not two); then the rest, or 64 KiB if the
 * file grew; never past one byte beyond `maxBytes`.
 */
const nextRead = (total: number, size: number, maxBytes: number) => Math.min(total === 0 ? size + 1 : Math.max(size - total, 64 * 1024), maxBytes + 1 - total);

/** The whole content of the regular file `path`, at most `maxBytes` long. Throws FileRefused. */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  const before = await stat(path).catch(() => null);
  if (!before) throw notFound(path);
  if (!before.isFile()) throw notAFile(path, kindOf(before));
  const handle = await open(path, READ_NONBLOCK).catch((err: unknown) => {
    throw openRefusal(path, err);
  });
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notAFile(path, kindOf(info));
    if (info.size === 0) throw empty(path);
    if (info.size > maxBytes) throw tooLarge(path, maxBytes);
    // Read to the end, not to the size fstat gave: the file may change meanwhile; its growth is capped too.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(nextRead(total, info.size, maxBytes));
      if (buf.length === 0) throw tooLarge(path, maxBytes);
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(path, maxBytes);
      if (bytesRead < buf.length) break;
    }
    if (total === 0) throw empty(path);
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } finally {
    await handle.close().catch(() => {});
  }
}

/**
 * readRegularFile with blocking calls, for a thread of its own (the import's read-ahead thread,
 * workers/read-ahead-worker.ts): the same checks and refusals. Each file gets its own
 * ArrayBuffer (allocUnsafeSlow), so it can be handed to another thread without a copy.
 */
export function readRegularFileSync(path: string, maxBytes: number): Buffer {
  let before;
  try {
    before = statSync(path);
  } catch {
    throw notFound(path);
  }
  if (!before.isFile()) throw notAFile(path, kindOf(before));
  let fd: number;
  try {
    fd = openSync(path, READ_NONBLOCK);
  } catch (err) {
    throw openRefusal(path, err);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw notAFile(path, kindOf(info));
    if (info.size === 0) throw empty(path);
    if (info.size > maxBytes) throw tooLarge(path, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafeSlow(nextRead(total, info.size, maxBytes));
      if (buf.length === 0) throw tooLarge(path, maxBytes);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
      total += n;
      if (total > maxBytes) throw tooLarge(path, maxBytes);
      if (n < buf.length) break;
    }
    if (total === 0) throw empty(path);
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}
