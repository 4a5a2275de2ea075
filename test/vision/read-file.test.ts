// Files that someone names are read only when they are regular files: a named pipe, a
// device, a socket or a folder is refused at once with its own code, never waited on.
// Real pipes (mkfifo), a real device, a real Unix socket; and a name swapped between a
// file and a pipe while it is being read, as an attacker racing the check would do.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileRefused, readRegularFile, readRegularFileSync } from '../../src/main/vision/node/preprocess/read-file';
import { preprocessImage } from '../../src/main/vision/node/preprocess/preprocess';
import { VisionError } from '../../src/main/vision/pure/errors';

let dir: string;
let server: Server | null = null;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-readfile-'));
});
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function reasonOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(FileRefused);
    return (err as FileRefused).reason;
  }
}

const posix = process.platform !== 'win32';

describe.skipIf(!posix)('readRegularFile', () => {
  it('refuses a named pipe with no writer at once, directly and through a link', async () => {
    const pipe = join(dir, 'pipe.jpg');
    execFileSync('mkfifo', [pipe]);
    symlinkSync(pipe, join(dir, 'link-to-pipe.jpg'));
    await expect(readRegularFile(pipe, 1 << 20)).rejects.toThrow(/pipe\.jpg is a named pipe, not a file/);
    expect(await reasonOf(readRegularFile(join(dir, 'link-to-pipe.jpg'), 1 << 20))).toBe('not_a_file');
  });

  it('refuses a device, a folder and a Unix socket', async () => {
    expect(await reasonOf(readRegularFile('/dev/zero', 1 << 20))).toBe('not_a_file');
    await expect(readRegularFile('/dev/null', 1 << 20)).rejects.toThrow(/a device, not a file/);
    mkdirSync(join(dir, 'folder.png'));
    await expect(readRegularFile(join(dir, 'folder.png'), 1 << 20)).rejects.toThrow(/a folder, not a file/);
    const sock = join(dir, 'sock.png');
    server = createServer();
    await new Promise<void>((r) => server!.listen(sock, r));
    expect(await reasonOf(readRegularFile(sock, 1 << 20))).toBe('not_a_file');
  });

  // The blocking twin (the import's read-ahead thread) must agree with it on every case.
  const readers = [
    ['readRegularFile', readRegularFile],
    ['readRegularFileSync', async (path: string, max: number) => readRegularFileSync(path, max)],
  ] as const;
  it.each(readers)('%s reads a regular file whole, and refuses missing, empty, oversized and not-a-file ones', async (_, read) => {
    const bytes = Buffer.alloc(300_000, 7);
    writeFileSync(join(dir, 'big.bin'), bytes);
    writeFileSync(join(dir, 'empty.bin'), '');
    mkdirSync(join(dir, 'a-folder.bin'), { recursive: true });
    expect((await read(join(dir, 'big.bin'), 1 << 20)).equals(bytes)).toBe(true);
    expect((await read(join(dir, 'big.bin'), 300_000)).equals(bytes)).toBe(true);
    expect(await reasonOf(read(join(dir, 'big.bin'), 299_999))).toBe('too_large');
    expect(await reasonOf(read(join(dir, 'empty.bin'), 1 << 20))).toBe('empty');
    expect(await reasonOf(read(join(dir, 'nothing-here.bin'), 1 << 20))).toBe('not_found');
    expect(await reasonOf(read(join(dir, 'a-folder.bin'), 1 << 20))).toBe('not_a_file');
    expect(await reasonOf(read('/dev/zero', 1 << 20))).toBe('not_a_file');
  });

  it('a name swapped between a file and a pipe while it is read never blocks a read', async () => {
    // The swap is a rename, as atomic as an attacker's: each read sees either the file
    // (and gets its bytes) or the pipe (and is refused), whatever moment the swap lands.
    const target = join(dir, 'swapped.jpg');
    const content = Buffer.from('not really a jpeg, but bytes');
    let swaps = 0;
    let stop = false;
    const swapper = (async () => {
      while (!stop) {
        const spareFile = join(dir, `spare-${swaps}.jpg`);
        const sparePipe = join(dir, `spare-${swaps}.fifo`);
        writeFileSync(spareFile, content);
        execFileSync('mkfifo', [sparePipe]);
        renameSync(spareFile, target);
        await new Promise((r) => setImmediate(r));
        renameSync(sparePipe, target);
        await new Promise((r) => setImmediate(r));
        swaps++;
      }
    })();
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const r = await readRegularFile(target, 1 << 20).then(
        (b) => (b.equals(content) ? 'bytes' : 'wrong bytes'),
        (e: unknown) => (e instanceof FileRefused ? e.reason : String(e)),
      );
      outcomes.set(r, (outcomes.get(r) ?? 0) + 1);
    }
    stop = true;
    await swapper;
    expect(swaps).toBeGreaterThan(10);
    // Only these outcomes, and both seen: the pipe was met and refused, the file was read.
    expect([...outcomes.keys()].every((k) => k === 'bytes' || k === 'not_a_file' || k === 'not_found')).toBe(true);
    expect(outcomes.get('not_a_file')).toBeGreaterThan(0);
  }, 60_000);
});

describe.skipIf(!posix)('decoding a picture named by path', () => {
  it('refuses a named pipe with image_not_a_file, and still decodes a real picture', async () => {
    const pipe = join(dir, 'picture-pipe.png');
    execFileSync('mkfifo', [pipe]);
    const err = await preprocessImage(pipe, { width: 32, height: 32 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VisionError);
    expect(err).toMatchObject({ code: 'image_not_a_file' });
    expect((err as Error).message).toMatch(/named pipe/);
    const png = join(dir, 'real.png');
    writeFileSync(
      png,
      await sharp({ create: { width: 40, height: 30, channels: 3, background: '#336699' } })
        .png()
        .toBuffer(),
    );
    expect((await preprocessImage(png, { width: 32, height: 32 })).length).toBe(32 * 32 * 3);
    expect(await preprocessImage('/dev/zero', { width: 32, height: 32 }).catch((e: VisionError) => e.code)).toBe('image_not_a_file');
  });
});
