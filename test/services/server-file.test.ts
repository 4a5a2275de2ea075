import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/main/app';
import { readServerFile } from '../../src/main/services/settings/index';

// DATA/server.json tells a `loupe` command which process holds the folder and where its
// API listens; the app keeps it true from start to close.
const dir = mkdtempSync(join(tmpdir(), 'loupe-server-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const read = (data: string) => JSON.parse(readFileSync(join(data, 'server.json'), 'utf8'));

describe('DATA/server.json', () => {
  it('names this process from the start, its URL while it listens, and is gone after close', async () => {
    const data = join(dir, 'a');
    const app = await createApp({ dataDir: data, shell: 'headless', log: () => {}, vision: { autoTrain: false } });
    try {
      expect(read(data)).toEqual({ pid: process.pid, port: null, url: null });
      const addr = await app.listen({ port: 0 });
      expect(read(data)).toEqual({ pid: process.pid, port: addr.port, url: addr.url });
    } finally {
      await app.close();
    }
    expect(existsSync(join(data, 'server.json'))).toBe(false);
  });

  it('reads a live holder, and ignores a stale file, a broken one and its own', () => {
    const data = join(dir, 'b');
    rmSync(data, { recursive: true, force: true });
    expect(readServerFile(data)).toBeNull();
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'server.json'), JSON.stringify({ pid: process.ppid, port: 8765, url: 'http://127.0.0.1:8765' }));
    expect(readServerFile(data)).toEqual({ pid: process.ppid, port: 8765, url: 'http://127.0.0.1:8765' });
    writeFileSync(join(data, 'server.json'), JSON.stringify({ pid: 2 ** 22 + 17, port: 1, url: 'http://127.0.0.1:1' }));
    expect(readServerFile(data)).toBeNull();
    writeFileSync(join(data, 'server.json'), '{"pid": "x"');
    expect(readServerFile(data)).toBeNull();
    writeFileSync(join(data, 'server.json'), JSON.stringify({ pid: process.pid, port: null, url: null }));
    expect(readServerFile(data)).toBeNull();
  });
});
