import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fmnistAvailable } from '../vision/fixtures-fmnist';
import { fmnistPictures } from '../e2e/fmnist-pictures';

/*
 * kill -9 of `loupe serve` while its inference process decodes and embeds: the orphan stops
 * within seconds, quietly. It used to exit through Node's teardown while onnxruntime and
 * libvips still ran on its threads, and sometimes aborted there ("terminate called after
 * throwing an instance of 'Napi::Error'", a core file where the system keeps them).
 */

const ROOT = resolve(import.meta.dirname, '../..');
const TOKEN = 'o'.repeat(64);
let dir: string;

beforeAll(() => {
  if (!existsSync(join(ROOT, 'out', 'main', 'cli.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  dir = mkdtempSync(join(tmpdir(), 'loupe-orphan-'));
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Direct children of `pid` (every thread's). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.push(...readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

describe.skipIf(!fmnistAvailable())('a killed server leaves no process behind', () => {
  it('its busy inference process stops within seconds, without aborting', async () => {
    const pictures = await fmnistPictures(['Trouser', 'Bag'], 40);
    for (let round = 0; round < 3; round++) {
      const server = spawn(process.execPath, [join(ROOT, 'bin', 'loupe.js'), 'serve', '--data', join(dir, `data-${round}`), '--port', '0', '--token', TOKEN], {
        cwd: tmpdir(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      server.stderr!.on('data', (d) => (err += d));
      const base = await new Promise<string>((ok) =>
        server.stdout!.on('data', (d) => {
          out += d;
          const m = /loupe listening on (http:\/\/\S+)\n/.exec(out);
          if (m) ok(m[1]);
        }),
      );
      const auth = { authorization: `Bearer ${TOKEN}` };
      const ds = (await (
        await fetch(`${base}/v1/datasets`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name":"o"}' })
      ).json()) as { id: string };
      const form = new FormData();
      for (const p of pictures) form.append('image', new Blob([new Uint8Array(p.bytes)], { type: 'image/png' }), p.name);
      form.append('labels', JSON.stringify(pictures.map((p) => p.label)));
      expect((await fetch(`${base}/v1/datasets/${ds.id}/images`, { method: 'POST', body: form, headers: auth })).status).toBe(201);
      // The pipeline's embedding and the retrain's child are at work now.
      let children: number[] = [];
      for (let i = 0; i < 100 && children.length === 0; i++) {
        children = childrenOf(server.pid!);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(children.length).toBeGreaterThan(0);
      server.kill('SIGKILL');
      const deadline = Date.now() + 10_000;
      while (children.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(children.filter(alive), `round ${round}`).toEqual([]);
      // What the orphans wrote goes to the pipe the server shared with them.
      await new Promise((r) => setTimeout(r, 200));
      expect(err, `round ${round}`).not.toMatch(/terminate called|Napi::Error|core dumped/);
    }
  }, 120_000);
});
