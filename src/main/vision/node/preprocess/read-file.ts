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
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
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

type Kind = Pick<Stats, 'isFile' | 'isDirectory' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>;

function kindOf(s: Kind): string {
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

/** What `stat` or `fstat` said, before a byte is read: only a non-empty regular file within `maxBytes` goes on. */
function checkKind(path: string, info: Kind): void {
  if (!info.isFile()) throw notAFile(path, kindOf(info));
}
function checkSize(path: string, size: number, maxBytes: number): void {
  if (size === 0) throw empty(path);
  if (size > maxBytes) throw tooLarge(path, maxBytes);
}

/**
 * The reads of one file, whether they block or not: the first asks for one byte more than
 * fstat's size (a short read then means the end, and the usual file costs one read, not two);
 * then the rest, or 64 KiB if the file grew; never past one byte beyond `maxBytes`. Reading to
 * the end, not to fstat's size: the file may change meanwhile, and its growth is capped too.
 */
class Chunks {
  private readonly chunks: Buffer[] = [];
  private total = 0;

  constructor(
    private readonly path: string,
    private readonly size: number,
    private readonly maxBytes: number,
    private readonly alloc: (size: number) => Buffer,
  ) {}

  /** The buffer for the next read. */
  next(): Buffer {
    const want = this.total === 0 ? this.size + 1 : Math.max(this.size - this.total, 64 * 1024);
    const buf = this.alloc(Math.min(want, this.maxBytes + 1 - this.total));
    if (buf.length === 0) throw tooLarge(this.path, this.maxBytes);
    return buf;
  }

  /** Takes what a read of `buf` gave; true when that was the end of the file. */
  took(buf: Buffer, bytesRead: number): boolean {
    if (bytesRead === 0) return true;
    this.chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
    this.total += bytesRead;
    if (this.total > this.maxBytes) throw tooLarge(this.path, this.maxBytes);
    return bytesRead < buf.length;
  }

  whole(): Buffer {
    if (this.total === 0) throw empty(this.path);
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.total);
  }
}

/** The whole content of the regular file `path`, at most `maxBytes` long. Throws FileRefused. */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  const before = await stat(path).catch(() => null);
  if (!before) throw notFound(path);
  checkKind(path, before);
  const handle = await open(path, READ_NONBLOCK).catch((err: unknown) => {
    throw openRefusal(path, err);
  });
  try {
    const info = await handle.stat();
    checkKind(path, info);
    checkSize(path, info.size, maxBytes);
    const chunks = new Chunks(path, info.size, maxBytes, (n) => Buffer.allocUnsafe(n));
    for (;;) {
      const buf = chunks.next();
      if (chunks.took(buf, (await handle.read(buf, 0, buf.length, null)).bytesRead)) return chunks.whole();
    }
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
  checkKind(path, before);
  let fd: number;
  try {
    fd = openSync(path, READ_NONBLOCK);
  } catch (err) {
    throw openRefusal(path, err);
  }
  try {
    const info = fstatSync(fd);
    checkKind(path, info);
    checkSize(path, info.size, maxBytes);
    const chunks = new Chunks(path, info.size, maxBytes, (n) => Buffer.allocUnsafeSlow(n));
    for (;;) {
      const buf = chunks.next();
      if (chunks.took(buf, readSync(fd, buf, 0, buf.length, null))) return chunks.whole();
    }
  } finally {
    closeSync(fd);
  }
}
