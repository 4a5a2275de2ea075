import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../api/client';

// The real command, as a user runs it: bin/loupe.js on the built CLI. CI builds before
// testing; a local run builds once if the output is missing.
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'loupe.js');

let dir: string;

beforeAll(() => {
  if (!existsSync(join(ROOT, 'out', 'main', 'cli.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  dir = mkdtempSync(join(tmpdir(), 'loupe-cli-'));
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Running {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function serve(args: string[], env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOUPE_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in 60 s; stderr: ${err}`)), 60_000);
    child.stdout!.on('data', () => {
      const m = /^loupe listening on (http:\/\/\S+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveStart({ child, url: m[1], stdout: () => out, stderr: () => err, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening; stderr: ${err}`));
    });
  });
}

function run(args: string[]): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('loupe serve', () => {
  it('prints one line, keeps its token in DATA/token (0600), guards every route, and exits 0 on SIGTERM', async () => {
    const data = join(dir, 'first');
    const s = await serve(['--port', '0', '--data', data]);
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const tokenFile = join(data, 'token');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(statSync(data).mode & 0o777).toBe(0o700);
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    // The browser hint follows the listening line on stderr (when the UI is built).
    for (let i = 0; i < 250 && !/#token=|not built/.test(s.stderr()); i++) await new Promise((r) => setTimeout(r, 20));
    if (existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) expect(s.stderr()).toContain(`${s.url}/#token=${token}`);

    if (existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) {
      // The UI needs no token; client-side routes fall back to index.html; API paths never do.
      const page = await call(s.url, 'GET', '/');
      expect([page.status, page.headers['content-type'], page.headers['x-frame-options']]).toEqual([200, 'text/html; charset=utf-8', 'DENY']);
      expect((await call(s.url, 'GET', '/library/anything')).text).toBe(page.text);
      const apiMiss = await call(s.url, 'GET', '/v1/nothing', { token: readFileSync(join(data, 'token'), 'utf8').trim() });
      expect([apiMiss.status, apiMiss.headers['content-type']]).toEqual([404, 'application/json; charset=utf-8']);
    }
    const health = await call(s.url, 'GET', '/v1/health');
    expect(health.status).toBe(200);
    expect(health.json.status).toBe('ok');
    const noToken = await call(s.url, 'GET', '/v1/datasets');
    expect([noToken.status, noToken.json.error.code]).toEqual([401, 'unauthorized']);
    const foreign = await call(s.url, 'GET', '/v1/datasets', { token, headers: { host: 'rebound.example' } });
    expect([foreign.status, foreign.json.error.code]).toEqual([421, 'misdirected']);
    const missing = await call(s.url, 'GET', '/v1/datasets/77', { token });
    expect([missing.status, missing.json.error.code]).toEqual([404, 'not_found']);
    const wrongMethod = await call(s.url, 'DELETE', '/v1/health', { token });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toMatch(/GET/);
    expect(wrongMethod.json.error.code).toBe('method_not_allowed');
    const made = await call(s.url, 'POST', '/v1/datasets', {
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'kept' }),
    });
    expect(made.status).toBe(201);

    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.stdout().trim().split('\n')).toHaveLength(1);

    // A restart on the same folder finds the same token and the same data.
    const again = await serve(['--port', '0', '--data', data]);
    const list = await call(again.url, 'GET', '/v1/datasets', { token });
    expect(list.json.items.map((d: { name: string }) => d.name)).toEqual(['kept']);
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  });

  it('takes the token from --token before LOUPE_TOKEN, and LOUPE_TOKEN before the file', async () => {
    const data = join(dir, 'tokens');
    const envToken = 'e'.repeat(32);
    const flagToken = 'f'.repeat(32);
    const s = await serve(['--port', '0', '--data', data, '--token', flagToken], { LOUPE_TOKEN: envToken });
    expect((await call(s.url, 'GET', '/v1/datasets', { token: flagToken })).status).toBe(200);
    expect((await call(s.url, 'GET', '/v1/datasets', { token: envToken })).status).toBe(401);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    const e = await serve(['--port', '0', '--data', data], { LOUPE_TOKEN: envToken });
    expect((await call(e.url, 'GET', '/v1/datasets', { token: envToken })).status).toBe(200);
    e.child.kill('SIGTERM');
    expect(await e.exited).toBe(0);
  });

  it('refuses a non-loopback host without --allow-remote, and bad flags, with a sentence', () => {
    const remote = run(['serve', '--host', '0.0.0.0', '--data', join(dir, 'never')]);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toMatch(/--allow-remote/);
    expect(remote.stdout).toBe('');
    const badPort = run(['serve', '--port', 'eighty']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/--port/);
    const unknown = run(['serve', '--colour']);
    expect(unknown.code).toBe(2);
  });

  it('runs and checks scripts with the language commands, deep recursion included', () => {
    const file = join(dir, 'deep.loupe');
    writeFileSync(file, 'fn f(n) {\n  if n == 0 { return 0 }\n  return 1 + f(n - 1)\n}\nprint(f(9000))\n');
    expect(run(['run', file])).toMatchObject({ code: 0, stdout: '9000\n' });
    const broken = join(dir, 'broken.loupe');
    writeFileSync(broken, 'let = 1\n');
    const checked = run(['check', broken]);
    expect(checked.code).toBe(65);
    expect(JSON.parse(checked.stdout)[0]).toMatchObject({ line: 1 });
  });

  it('explains itself with --help', () => {
    const help = run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/loupe serve \[--host/);
    expect(run(['frobnicate']).code).toBe(2);
  });
});
