import { spawn, execSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

/*
 * A real `loupe serve` for the browser tests: a free port, a temp data folder and a random
 * token. The build must exist (CI builds first); when it does not, it is built once here.
 */

export const ROOT = resolve(import.meta.dirname, '../..');

export interface LoupeServer {
  url: string;
  token: string;
  dataDir: string;
  /** Ends the server (SIGTERM, then SIGKILL after 10 s) and removes a temp data folder unless told to keep it. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

export function ensureBuilt(): void {
  const needed = ['out/main/cli.js', 'out/renderer/index.html', 'bin/loupe.js'];
  if (needed.every((p) => existsSync(join(ROOT, p)))) return;
  execSync('npm run build', { cwd: ROOT, stdio: 'inherit' });
}

export interface StartOptions {
  /** Reuse a data folder (a restart); it is then left in place by stop(). */
  dataDir?: string;
  token?: string;
  port?: number;
  /** Extra environment for the server process (e.g. LOUPE_AUTO_TRAIN=0). */
  env?: Record<string, string>;
  /** Extra `loupe serve` flags (e.g. `--broker redis://…`). */
  args?: string[];
}

export async function startLoupe(opts: StartOptions = {}): Promise<LoupeServer> {
  // LOUPE_E2E_SERVER runs another script with the same flags (a stand-in while developing).
  const script = process.env.LOUPE_E2E_SERVER ?? join(ROOT, 'bin/loupe.js');
  if (!process.env.LOUPE_E2E_SERVER) ensureBuilt();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'loupe-e2e-'));
  const token = opts.token ?? randomBytes(24).toString('hex');
  const port = String(opts.port ?? 0);
  const child: ChildProcess = spawn(process.execPath, [script, 'serve', '--port', port, '--data', dataDir, '--token', token, ...(opts.args ?? [])], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let output = '';
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`loupe serve printed no address within 60 s. Output:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /loupe listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`loupe serve exited with ${code} before listening. Output:\n${output}`));
    });
  });
  return {
    url,
    token,
    dataDir,
    async stop(how: { keepData?: boolean } = {}) {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(forced);
      }
      if (!opts.dataDir && !how.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
