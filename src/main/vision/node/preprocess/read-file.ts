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
import { constants } from 'node:fs';
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

/** The whole content of the regular file `path`, at most `maxBytes` long. Throws FileRefused. */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  const before = await stat(path).catch(() => null);
  if (!before) throw new FileRefused('not_found', `${path} does not exist or cannot be reached.`);
  if (!before.isFile()) throw notAFile(path, kindOf(before));
  let handle;
  try {
    handle = await open(path, READ_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENXIO: a socket, or a pipe swapped in for writing only; ENOENT: removed meanwhile.
    if (code === 'ENXIO') throw notAFile(path, 'not a regular file');
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileRefused('not_found', `${path} does not exist or cannot be reached.`);
    throw err;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notAFile(path, kindOf(info));
    if (info.size === 0) throw new FileRefused('empty', `${path} is empty (0 bytes).`);
    if (info.size > maxBytes) throw new FileRefused('too_large', `${path} is larger than ${Math.floor(maxBytes / 2 ** 20)} MiB.`);
    // Read to the end, not to the size fstat gave: the file may change meanwhile; its growth is capped too.
    const chunks: Buffer[] = [];
    let total = 0;
    // The first read asks for one byte more than fstat's size: a short read then means the end
    // was reached, and the usual file costs one read, not two (each is a hand-off to a thread).
    for (;;) {
      const want = total === 0 ? info.size + 1 : Math.max(info.size - total, 64 * 1024);
      const buf = Buffer.allocUnsafe(Math.min(want, maxBytes + 1 - total));
      if (buf.length === 0) throw new FileRefused('too_large', `${path} is larger than ${Math.floor(maxBytes / 2 ** 20)} MiB.`);
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw new FileRefused('too_large', `${path} is larger than ${Math.floor(maxBytes / 2 ** 20)} MiB.`);
      if (bytesRead < buf.length) break;
    }
    if (total === 0) throw new FileRefused('empty', `${path} is empty (0 bytes).`);
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } finally {
    await handle.close().catch(() => {});
  }
}
