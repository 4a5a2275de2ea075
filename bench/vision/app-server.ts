import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Agent, request } from 'node:http';
import { join, resolve } from 'node:path';

/*
 * A real `loupe serve` for the app-level vision benchmarks: the built CLI (npm run build),
 * a temp data folder, a random token, optionally pinned to CPUs with taskset. Auto
 * retraining is off so each phase is timed on its own.
 */

export const ROOT = resolve(import.meta.dirname, '../..');

export interface Server {
  url: string;
  token: string;
  pid: number;
  dataDir: string;
  stop(): Promise<void>;
}

/*
 * Where the benchmark servers keep their data folders: a folder marked for ext4's Orlov
 * allocator (`chattr +T`), so each data folder starts in a block group of its own. This
 * machine's ext4 has no journal, and there ext4 will not reuse an inode freed in the last 30 s
 * (5 min while its inode-table block is dirty): find_inode_bit() calls recently_deleted() on
 * each free slot it passes. In a folder where files were removed minutes before (/tmp, or
 * bench/tmp after the previous round's data folder was removed) every file creation scanned
 * past them: 0.4-0.6 CPU ms per created file against 0.04 ms in a fresh group (measured with
 * 1,000 one-byte files), more than a third of the server's CPU per 28×28 PNG (perf: 0.6 ms in
 * __ext4_new_inode), a cost that a journaled ext4, APFS or NTFS does not have and that the
 * bare parts, which create no files, never pay. Where chattr is missing the folder still works.
 */
let marked: string | null = null;
function dataRoot(): string {
  const root = join(ROOT, 'bench/tmp/data');
  mkdirSync(root, { recursive: true });
  if (marked !== root) spawnSync('chattr', ['+T', root], { stdio: 'ignore' });
  marked = root;
  return root;
}

export async function startServer(opts: { cpus?: string } = {}): Promise<Server> {
  if (!existsSync(join(ROOT, 'out/main/cli.js'))) throw new Error('Build first: npm run build');
  const dataDir = mkdtempSync(join(dataRoot(), 'loupe-bench-'));
  const token = randomBytes(16).toString('hex');
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=bench/tmp" profiles the server itself.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = [...nodeArgs, join(ROOT, 'bin/loupe.js'), 'serve', '--port', '0', '--data', dataDir, '--token', token];
  const env = { ...process.env, LOUPE_AUTO_TRAIN: '0' };
  const child: ChildProcess = opts.cpus
    ? spawn('taskset', ['-c', opts.cpus, process.execPath, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  // Everything the server prints goes to a log beside the results too: a server that dies in
  // the middle of a long run otherwise shows up only as ECONNRESET in the client.
  mkdirSync(join(ROOT, 'bench/tmp'), { recursive: true });
  const logPath = join(ROOT, 'bench/tmp', `loupe-serve-${Date.now()}.log`);
  const log = createWriteStream(logPath);
  let stopping = false;
  const url = await new Promise<string>((ok, fail) => {
    child.stdout!.on('data', (c: Buffer) => {
      log.write(c);
      out += c.toString();
      const m = /loupe listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) ok(m[1]);
    });
    child.stderr!.on('data', (c: Buffer) => {
      log.write(c);
      out = (out + c.toString()).slice(-8000);
    });
    child.once('exit', (code, signal) => {
      fail(new Error(`loupe serve exited (${code}):\n${out}`));
      if (!stopping)
        console.error(`loupe serve (pid ${child.pid}) exited by itself: code ${code}, signal ${signal}; its output is in ${logPath}:\n${out.slice(-4000)}`);
    });
  });
  return {
    url,
    token,
    pid: child.pid!,
    dataDir,
    async stop() {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      log.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  /** Whatever the API answered, parsed (a benchmark client reads it loosely). */
  json: any;
  ms: number;
}

/**
 * One request over the keep-alive pool. A GET that fails with ECONNRESET on a reused socket is
 * sent once more on a new one, as Node's docs advise (request.reusedSocket): the server may
 * have closed that idle socket just as the request went out.
 */
export async function http(s: Server, method: string, path: string, body?: Buffer | string, type?: string): Promise<Reply> {
  try {
    return await httpOnce(s, method, path, body, type);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { reusedSocket?: boolean };
    if (method !== 'GET' || e.code !== 'ECONNRESET' || !e.reusedSocket) throw err;
    console.error(`(${method} ${path}: the server reset a reused keep-alive socket; sent again)`);
    return httpOnce(s, method, path, body, type);
  }
}

function httpOnce(s: Server, method: string, path: string, body?: Buffer | string, type?: string): Promise<Reply> {
  const t0 = performance.now();
  return new Promise((ok, fail) => {
    const headers: Record<string, string> = { authorization: `Bearer ${s.token}` };
    if (body !== undefined) {
      headers['content-type'] = type ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const req = request(new URL(path, s.url), { method, headers, agent: keepAlive }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {
          json = text;
        }
        ok({ status: res.statusCode ?? 0, json, ms: performance.now() - t0 });
      });
    });
    req.on('error', (err) => fail(Object.assign(err, { reusedSocket: req.reusedSocket })));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 4 });

/** A multipart upload: each file as an `image` part, then any plain fields (e.g. `labels`). */
export function multipartBody(files: Array<{ name: string; bytes: Buffer }>, fields: Record<string, string> = {}): { body: Buffer; type: string } {
  const boundary = `----bench${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="${f.name}"\r\nContent-Type: image/png\r\n\r\n`),
      f.bytes,
      Buffer.from('\r\n'),
    );
  }
  for (const [name, value] of Object.entries(fields))
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  // utime + stime, plus cutime + cstime of children that have ended (training processes).
  let s = (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
  // Running children count too: the backbone runs in an inference process (and training in a
  // training process) since heavy CPU work left the main process.
  for (const child of childrenOf(pid)) s += cpuSeconds(child);
  return s;
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** Polls a task until it ends; returns it. */
export async function waitTask(s: Server, id: string, onProgress?: (p: number) => void): Promise<any> {
  for (;;) {
    const r = await http(s, 'GET', `/v1/tasks/${id}`);
    const t = r.json;
    if (['succeeded', 'dead', 'cancelled'].includes(t.state)) return t;
    onProgress?.(t.progress);
    await new Promise((res) => setTimeout(res, 500));
  }
}

export async function waitRun(s: Server, runId: string): Promise<any> {
  for (;;) {
    const r = await http(s, 'GET', `/v1/runs/${runId}`);
    if (!['queued', 'running'].includes(r.json.status)) return r.json;
    await new Promise((res) => setTimeout(res, 300));
  }
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

export const RESULTS = join(ROOT, 'bench/vision/RESULTS-app.md');

/** Replaces one benchmark's section of RESULTS-app.md (between its markers), keeping the others. */
export function writeSection(name: string, markdown: string): void {
  const head = '# Vision, app level (through `loupe serve`)\n\nWritten by `bench/vision/app-latency.ts` and `bench/vision/app-fmnist.ts`.\n';
  let text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : head;
  const start = `<!-- ${name} -->`;
  const end = `<!-- /${name} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  text = a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(RESULTS, text);
}

export function machine(): string {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return `${new Date().toISOString()} · ${cpus().length}-core shared VM (${cpus()[0]?.model ?? 'cpu'}), load average ${load} at the start · Node ${process.version}`;
}
