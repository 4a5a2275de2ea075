import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { call, multipart } from '../api/client';
import { picture } from '../services/pictures';

// Real processes, as a user runs them: bin/loupe.js on the built CLI (built once if missing).
export const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'loupe.js');
export const TOKEN = 'cluster-test-token-0123456789abcdef';

export function ensureBuilt(): void {
  if (!existsSync(join(ROOT, 'out', 'main', 'cli.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
}

export interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

/** Starts `loupe ARGS` and resolves once stdout matches `ready` (with the match). */
export function start(args: string[], ready: RegExp, env: Record<string, string> = {}): Promise<Proc & { match: RegExpExecArray }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, LOUPE_AUTO_TRAIN: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`loupe ${args[0]} not ready in 60 s; stderr: ${err}`)), 60_000);
    child.stdout!.on('data', () => {
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveStart({ child, out: () => out, err: () => err, exited, match: m });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`loupe ${args[0]} exited with ${code}; stderr: ${err}`));
    });
  });
}

export async function serveWithBroker(data: string, broker: string): Promise<Proc & { url: string }> {
  const p = await start(['serve', '--port', '0', '--data', data, '--token', TOKEN, '--broker', broker], /loupe listening on (http:\/\/\S+)\n/);
  return { ...p, url: p.match[1] };
}

export function worker(broker: string, server: string, name: string, extra: string[] = []): Promise<Proc> {
  return start(['worker', '--broker', broker, '--server', server, '--token', TOKEN, '--name', name, ...extra], /loupe worker \S+ ready/);
}

/** A dataset with `count` distinct pictures uploaded; returns its id and the pictures' hashes. */
export async function datasetWith(url: string, count: number, firstSeed = 1): Promise<{ id: string; hashes: string[] }> {
  const ds = await call(url, 'POST', '/v1/datasets', {
    token: TOKEN,
    body: JSON.stringify({ name: `d${firstSeed}` }),
    headers: { 'content-type': 'application/json' },
  });
  const id = ds.json.id as string;
  const hashes: string[] = [];
  for (let i = 0; i < count; i += 50) {
    const files = [];
    for (let j = i; j < Math.min(count, i + 50); j++) files.push({ name: `p${j}.png`, bytes: await picture(firstSeed + j) });
    const form = multipart(files);
    const up = await call(url, 'POST', `/v1/datasets/${id}/images`, { token: TOKEN, body: form.body, headers: { 'content-type': form.contentType } });
    if (up.status !== 201) throw new Error(`upload failed: ${up.text}`);
    for (const item of up.json.items as { hash: string }[]) hashes.push(item.hash);
  }
  return { id, hashes };
}

export async function stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.child.exitCode;
  p.child.kill(signal);
  return p.exited;
}

/** The embed task the server queued for a dataset, once it has ended. */
/** Waits until every `embed` task has ended (the pipeline may queue more than one while an upload lands); the newest. */
export async function embedTaskDone(url: string, timeoutMs = 120_000): Promise<{ state: string; result: { embedded: number; failed: string[] } }> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const r = await call(url, 'GET', '/v1/tasks?limit=50', { token: TOKEN });
    const embeds = (r.json.items as { kind: string; state: string; result: { embedded: number; failed: string[] } }[]).filter((x) => x.kind === 'embed');
    if (embeds.length > 0 && embeds.every((t) => ['succeeded', 'dead', 'cancelled'].includes(t.state))) return embeds[0];
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('the embed task did not end in time');
}
