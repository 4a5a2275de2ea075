// Output straight to file descriptors 1 and 2 with fs.writeSync. Touching process.stdout
// builds a stream (for a pipe, a whole net.Socket) and costs more CPU than the rest of
// `loupe --version`; a worker thread's process.stdout is also relayed through the main
// thread and can lose its tail at exit. Block-buffered when stdout is not a terminal (as
// CPython and C do), line by line when it is, so a script's prints do not cost a system
// call each when piped into a file.
import { fstatSync, writeSync } from 'node:fs';

export interface FdOutput {
  write(text: string): void;
  flush(): void;
}

const BLOCK = 64 * 1024;
let pause: Int32Array | undefined;

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // The reader went away (`loupe run x | head`): the rest has nowhere to go.
      if (code === 'EPIPE') return;
      // A descriptor shared with a non-blocking parent: wait a moment for room.
      if (code === 'EAGAIN') {
        pause ??= new Int32Array(new SharedArrayBuffer(4));
        Atomics.wait(pause, 0, 0, 1);
        continue;
      }
      throw err;
    }
  }
}

function isCharacterDevice(fd: number): boolean {
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}

export function fdOutput(fd: 1 | 2): FdOutput {
  // A terminal is a character device (node:tty would answer exactly, but loading it pulls in
  // net and streams: the cost this file avoids). /dev/null is one too, where it cannot matter.
  const buffered = fd === 1 && !isCharacterDevice(fd);
  let pending = '';
  const flush = () => {
    if (pending === '') return;
    const text = pending;
    pending = '';
    writeAll(fd, text);
  };
  return {
    write(text: string) {
      if (!buffered) return writeAll(fd, text);
      pending += text;
      if (pending.length >= BLOCK) flush();
    },
    flush,
  };
}
