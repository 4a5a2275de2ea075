// An import's files are read ahead on a thread of their own (read-ahead.ts), a batch per message,
// with the checks readRegularFile makes: these tests hold the thread to the same refusals (real
// pipes, a real socket, a real device) and check that four ingests taking files at once each get
// the bytes of the file they name, never a neighbour's.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibraryService } from '../../src/main/services/library';
import { ReadAheadQueue, ReaderThread, type ReadAhead } from '../../src/main/services/library/read-ahead';
import { openStore, type Store } from '../../src/main/store';
import { FileRefused } from '../../src/main/vision/node/preprocess/read-file';

let dir: string;
let server: Server | null = null;
const reader = new ReaderThread();
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-read-ahead-'));
});
afterAll(async () => {
  server?.close();
  await reader.close();
  rmSync(dir, { recursive: true, force: true });
});

const reasonOf = (r: ReadAhead) => (r.ok ? 'ok' : r.error instanceof FileRefused ? r.error.reason : 'error');
const posix = process.platform !== 'win32';

describe.skipIf(!posix)('the reading thread', () => {
  it('reads regular files with their SHA-256 and refuses pipes, sockets, devices, folders and empty files at once', async () => {
    const good = join(dir, 'good.bin');
    writeFileSync(good, Buffer.from('a picture, say'));
    const pipe = join(dir, 'pipe.jpg');
    execFileSync('mkfifo', [pipe]);
    const link = join(dir, 'zero.jpg');
    symlinkSync('/dev/zero', link);
    const sock = join(dir, 'sock.jpg');
    server = createServer();
    await new Promise<void>((r) => server!.listen(sock, r));
    const folder = join(dir, 'folder.jpg');
    mkdirSync(folder);
    const empty = join(dir, 'empty.jpg');
    writeFileSync(empty, '');
    const big = join(dir, 'big.bin');
    writeFileSync(big, Buffer.alloc(2048, 1));

    const results = await reader.read([good, pipe, link, sock, folder, empty, join(dir, 'gone.jpg'), big], 1024, 1 << 30);
    expect(results.map(reasonOf)).toEqual(['ok', 'not_a_file', 'not_a_file', 'not_a_file', 'not_a_file', 'empty', 'not_found', 'too_large']);
    const first = results[0];
    expect(first.ok && first.bytes.toString()).toBe('a picture, say');
    expect(first.ok && first.hash).toBe(createHash('sha256').update('a picture, say').digest('hex'));
  });

  it('ends a batch once its byte budget is spent, and the queue hands every file out in order to takers at once', async () => {
    const files: string[] = [];
    for (let i = 0; i < 37; i++) {
      const f = join(dir, `n-${i}.bin`);
      writeFileSync(f, Buffer.alloc(1000 + i, i));
      files.push(f);
    }
    expect(await reader.read(files, 1 << 20, 2500)).toHaveLength(3);

    const queue = new ReadAheadQueue(reader, files, 1 << 20, new AbortController().signal, 5, 3000);
    const got: Array<ReadAhead | null> = [];
    let n = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (;;) {
          const i = n++;
          const r = await queue.take();
          if (!r) return;
          got[i] = r;
        }
      }),
    );
    expect(got).toHaveLength(37);
    got.forEach((r, i) => expect(r?.ok && r.bytes.equals(readFileSync(files[i])), `file ${i}`).toBe(true));
  });
});

describe('an import read ahead', () => {
  let store: Store;
  let lib: LibraryService;
  beforeAll(() => {
    store = openStore(join(dir, 'data', 'loupe.db'));
    lib = new LibraryService(store, join(dir, 'data'), () => {});
  });
  afterAll(async () => {
    await lib.close();
    store.close();
  });

  it('stores each picture under its own name and label, and lists an emptied file as skipped', async () => {
    const src = join(dir, 'src');
    const expected = new Map<string, string>();
    for (const label of ['cats', 'dogs']) {
      mkdirSync(join(src, label), { recursive: true });
      for (let i = 0; i < 24; i++) {
        const bytes = await sharp({ create: { width: 16 + i, height: 12, channels: 3, background: { r: i * 9, g: label === 'cats' ? 10 : 200, b: 40 } } })
          .png()
          .toBuffer();
        writeFileSync(join(src, label, `${i}.png`), bytes);
        expected.set(`${label}/${i}.png`, createHash('sha256').update(bytes).digest('hex'));
      }
    }
    writeFileSync(join(src, 'cats', 'zz-empty.png'), '');
    const ds = lib.createDataset('read-ahead');
    const started = lib.startImport({ datasetId: ds.id, paths: [src], labels: 'folders' });
    const done = await lib.importer.wait(started.importId);
    expect(done?.imported).toBe(48);
    expect(done?.failed).toEqual([expect.objectContaining({ name: 'src/cats/zz-empty.png', code: 'empty_file' })]);
    const items = lib.listImages({ datasetId: ds.id, limit: 100 }).items;
    expect(items).toHaveLength(48);
    for (const item of items) {
      const i = Number(item.fileName.replace(/\D/g, ''));
      expect(item.hash, item.fileName).toBe(expected.get(`${item.label}/${i}.png`));
      expect(item.width).toBe(16 + i);
    }
  });
});
