import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackboneHost } from '../../src/main/services/vision/backbone';
import { kindPictures, waitFor } from '../services/vision-pictures';
import { call } from '../api/client';

/*
 * `loupe serve` started from another folder than the checkout (here /tmp) finds the backbone
 * of the installed package, says so on /v1/health, and trains: the new user, who ran
 * `node /path/to/bin/loupe.js serve` and got "run npm run models" beside the file.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'loupe.js');
let dir: string;
let child: ChildProcess | null = null;

beforeAll(() => {
  if (!existsSync(join(ROOT, 'out', 'main', 'cli.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  dir = mkdtempSync(join(tmpdir(), 'loupe-anywhere-'));
}, 180_000);
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function serveFrom(cwd: string, data: string): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOUPE_TOKEN: '' };
  delete env.LOUPE_MODELS_DIR;
  child = spawn(process.execPath, [BIN, 'serve', '--data', data, '--port', '0'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no listening line in 60 s; stderr: ${err}`)), 60_000);
    child!.stdout!.on('data', (d) => {
      out += d;
      const m = /loupe listening on (http:\/\/\S+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child!.once('exit', (code) => fail(new Error(`exited with ${code}; stderr: ${err}`)));
  });
}

async function upload(base: string, token: string, datasetId: string, files: Array<{ name: string; bytes: Buffer; label: string }>) {
  const form = new FormData();
  for (const f of files) form.append('image', new Blob([new Uint8Array(f.bytes)], { type: 'image/png' }), f.name);
  form.append('labels', JSON.stringify(files.map((f) => f.label)));
  const r = await fetch(`${base}/v1/datasets/${datasetId}/images`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  expect(r.status, await r.clone().text()).toBe(201);
}

describe('loupe serve from any folder', () => {
  it('finds the installed backbone from /tmp, reports it ready on /v1/health, and trains', async () => {
    const data = join(dir, 'fresh');
    const base = await serveFrom('/tmp', data);
    const health = await call(base, 'GET', '/v1/health');
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ status: 'ok', backbone: 'ready', message: null });
    const token = readFileSync(join(data, 'token'), 'utf8').trim();

    const created = await call(base, 'POST', '/v1/datasets', {
      token,
      body: JSON.stringify({ name: 'colours' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    const red = (await kindPictures('red', 5, 1)).map((bytes, i) => ({ name: `r${i}.png`, bytes, label: 'red' }));
    const blue = (await kindPictures('blue', 5, 1)).map((bytes, i) => ({ name: `b${i}.png`, bytes, label: 'blue' }));
    await upload(base, token, id, [...red, ...blue]);
    const run = await waitFor(
      async () => {
        const runs = await call(base, 'GET', `/v1/datasets/${id}/runs`, { token });
        return (runs.json?.items as Array<{ status: string; modelId: string | null }> | undefined)?.find((r) => r.status === 'succeeded');
      },
      'a training run started from /tmp',
      120_000,
    );
    expect(run.modelId).not.toBeNull();
  });

  it('says the backbone is missing, with the one command that fixes it, when none is installed', () => {
    const s = new BackboneHost(null).status();
    expect(s).toMatchObject({ state: 'missing', id: null, fix: 'npm run models' });
    expect(s.message).toMatch(/npm run models/);
  });
});
