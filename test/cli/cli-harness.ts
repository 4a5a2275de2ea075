import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

// The real `loupe` command, as a person runs it: bin/loupe.js on the built CLI, in its own
// process. CI builds before testing; a local run builds once if the output is missing.
export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin', 'loupe.js');

export function ensureBuilt(): void {
  if (!existsSync(join(ROOT, 'out', 'main', 'cli-fast.cjs'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function loupe(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Result> {
  // Asynchronous, so that a server started by the same test keeps answering meanwhile.
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, LOUPE_TOKEN: '', LOUPE_DATA: '', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

export function loupeSync(args: string[]): Result {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, LOUPE_TOKEN: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface Server {
  child: ChildProcess;
  url: string;
  stop(): Promise<number | null>;
}

export function serve(dataDir: string): Promise<Server> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data', dataDir], {
    cwd: ROOT,
    env: { ...process.env, LOUPE_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`no listening line in 60 s; stderr: ${err}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^loupe listening on (http:\/\/\S+)\n/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      ready({ child, url: m[1], stop: () => (child.kill('SIGTERM'), exited) });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`exited with ${code} before listening; stderr: ${err}`));
    });
  });
}
