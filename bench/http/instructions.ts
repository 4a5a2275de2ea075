/**
 * Instructions per request, counted by valgrind's callgrind: a deterministic measure of a
 * server's user-space work, unlike CPU time on a shared machine.
 *
 * Each bench server (bench/http/servers/*.ts) is bundled once with esbuild into
 * bench/tmp/http-instr/*.mjs (packages stay external), so tsx and esbuild are not in the
 * count, and run as plain `node` (JIT on) under
 *   valgrind --tool=callgrind --smc-check=all-non-file --instr-atstart=no --collect-systime=yes
 * For every case: a warm-up of --warmup requests with instrumentation off, in four parts
 * each followed by an idle wait until V8's background compiler has caught up (under
 * valgrind the threads take turns, so it lags far behind), then `callgrind_control -i on`,
 * then 1 + --windows windows of --requests requests, each closed with
 * `callgrind_control -d` (a dump resets the counters, so each dump holds exactly one
 * window; the first is thrown away), then `-i off`. The client (this process, outside
 * valgrind) sends the same requests to every server over --concurrency keep-alive
 * connections on loopback. Counts are user-space instructions of all the server's threads
 * (the JS thread, V8's compiler and GC helpers, libuv's pool); kernel work is not
 * counted, but the number of system calls is (sysCount).
 *
 *   npx tsx bench/http/instructions.ts [--servers node,loupe,fastify] [--cases hello,param,echo,rest]
 *       [--warmup 5000] [--requests 2000] [--windows 2] [--concurrency 8] [--top 15]
 *       [--out FILE.md] [--max-minutes 40]
 *
 * Runs one valgrind at a time, under `nice -n 5`; kills its servers on exit.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { CASES } from './cases';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const tmp = join(root, 'bench', 'tmp', 'http-instr');

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i !== -1 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
}

const SERVERS = arg('servers', 'node,loupe,fastify').split(',');
const warmup = Number(arg('warmup', '5000'));
const requests = Number(arg('requests', '2000'));
const windows = Number(arg('windows', '2'));
const concurrency = Number(arg('concurrency', '8'));
const top = Number(arg('top', '15'));
const nodeFlags = arg('node-flags', '').split(' ').filter(Boolean);
const deadline = Date.now() + Number(arg('max-minutes', '40')) * 60_000;

const caseNames = arg('cases', Object.keys(CASES).join(',')).split(',');

let current: ChildProcess | null = null;
function cleanup(): void {
  if (current && current.exitCode === null) current.kill('SIGKILL');
  current = null;
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

function bundle(name: string): string {
  const outfile = join(tmp, `${name}.mjs`);
  buildSync({
    entryPoints: [join(here, 'servers', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

async function startUnderCallgrind(name: string, file: string): Promise<{ child: ChildProcess; port: number; outPrefix: string }> {
  const outPrefix = join(tmp, `cg.${name}`);
  for (const f of readdirSync(tmp)) if (f.startsWith(`cg.${name}.`)) rmSync(join(tmp, f));
  const args = [
    '-n',
    '5',
    'valgrind',
    '--tool=callgrind',
    '--smc-check=all-non-file',
    '--instr-atstart=no',
    '--collect-systime=yes',
    '--dump-instr=no',
    `--callgrind-out-file=${outPrefix}.%p`,
    process.execPath,
    ...nodeFlags,
    file,
    '0',
  ];
  // The bundles import their packages (fastify, busboy, ws, zod) from the repository's
  // node_modules, so they run with the repository root as their working directory.
  const child = spawn('nice', args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
  current = child;
  const log = nodeFlags.length ? createWriteStream(join(tmp, `${name}.log`)) : null;
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`${name} did not start under valgrind in 120 s:\n${err}`)), 120_000);
    child.stdout?.on('data', (d: Buffer) => {
      if (log) log.write(d);
      buf += d.toString();
      const m = /ready (\d+)/.exec(buf);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${err}`)));
  });
  return { child, port, outPrefix };
}

/** `nice` execs valgrind, which execs its tool in the same process: the child's PID is valgrind's. */
function control(pid: number, ...a: string[]): void {
  const r = spawnSync('callgrind_control', [...a, String(pid)], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0 || !/OK/.test(r.stdout)) throw new Error(`callgrind_control ${a.join(' ')} failed: ${r.stdout}${r.stderr}`);
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** Waits (up to 60 s) until the process has used under 20 ms of CPU in a second. */
async function waitIdle(pid: number): Promise<void> {
  const until = Date.now() + 60_000;
  let last = cpuTicks(pid);
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = cpuTicks(pid);
    if (now - last <= 2) return;
    last = now;
  }
}

/** n requests over `concurrency` keep-alive connections; resolves with the number of non-2xx answers. */
function drive(port: number, c: { path: string; method?: string; body?: string }, n: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const headers: Record<string, string | number> = {};
  if (c.body) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(c.body);
  }
  let sent = 0;
  let done = 0;
  let bad = 0;
  return new Promise<number>((resolve, reject) => {
    const one = (): void => {
      if (sent >= n) return;
      sent++;
      const req = http.request({ host: '127.0.0.1', port, path: c.path, method: c.method ?? 'GET', headers, agent }, (res) => {
        if ((res.statusCode ?? 0) >= 300) bad++;
        res.resume();
        res.on('end', () => {
          if (++done === n) resolve(bad);
          else one();
        });
      });
      req.on('error', reject);
      req.end(c.body);
    };
    for (let i = 0; i < concurrency; i++) one();
  }).finally(() => agent.destroy());
}

interface Dump {
  hint: string;
  ir: number;
  sys: number;
  fns: Map<string, number>;
}

/** callgrind_annotate's flat list (exclusive Ir per function) and the dump's totals. */
function readDump(file: string): Dump {
  const text = readFileSync(file, 'utf8');
  const hint = /^desc: Trigger: dump (.*)$/m.exec(text)?.[1] ?? '';
  const events = (/^events: (.*)$/m.exec(text)?.[1] ?? 'Ir').split(' ');
  const totals = (/^totals: (.*)$/m.exec(text)?.[1] ?? '0').split(' ').map(Number);
  const ir = totals[events.indexOf('Ir')] ?? 0;
  const sys = totals[events.indexOf('sysCount')] ?? 0;
  const ann = spawnSync('callgrind_annotate', ['--threshold=100', '--show=Ir', '--sort=Ir', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const fns = new Map<string, number>();
  for (const line of ann.stdout.split('\n')) {
    const m = /^\s*([\d,]+)\s+\([^)]*\)\s+(.*)$/.exec(line);
    if (!m || m[2].includes('PROGRAM TOTALS')) continue;
    // JIT-compiled code has no symbols, and its addresses differ from run to run: one entry.
    const raw = m[2].replace(/^\?\?\?:/, '').trim();
    const name = raw.endsWith('[???]') ? 'JIT-compiled JS (no symbols)' : raw;
    fns.set(name, (fns.get(name) ?? 0) + Number(m[1].replace(/,/g, '')));
  }
  return { hint, ir, sys, fns };
}

/** Coarse buckets, so a reader sees where the instructions go. */
function bucket(fn: string): string {
  if (fn.startsWith('JIT-compiled JS')) return 'JIT-compiled JS (no symbols)';
  if (/v8::internal::(compiler|maglev|baseline)::|Compil|Turbofan|Maglev/i.test(fn)) return 'V8 compilers';
  if (
    /v8::internal::(heap::|Heap|Scaveng|MarkCompact|Marking|Sweep|Evacuat|MinorMC|RememberedSet|ConcurrentMarking|NewSpace|PagedSpace|SemiSpace|LargeObject|Worklist|GCTracer|IncrementalMarking)|Builtins_RecordWrite/.test(
      fn,
    )
  )
    return 'V8 GC and write barrier';
  if (/^Builtins_/.test(fn)) return 'V8 builtins (ICs, runtime stubs)';
  if (/llhttp/.test(fn)) return 'llhttp parser';
  if (/^uv_|uv__/.test(fn)) return 'libuv';
  if (/libc\.so|ld-linux|libstdc\+\+|libm\.so|libpthread/.test(fn)) return 'libc and C++ runtime';
  if (/^node::/.test(fn)) return 'node C++ bindings';
  if (/v8::/.test(fn)) return 'V8 runtime (C++)';
  return 'other';
}

interface Result {
  server: string;
  case: string;
  irPerReq: number[];
  sysPerReq: number[];
  fnsPerReq: Map<string, number>;
  bad: number;
}

async function measureServer(name: string): Promise<Result[]> {
  const file = bundle(name);
  const t0 = Date.now();
  const { child, port } = await startUnderCallgrind(name, file);
  const pid = child.pid as number;
  console.log(`${name}: up under callgrind in ${((Date.now() - t0) / 1000).toFixed(0)} s (port ${port}, pid ${pid})`);
  const results: Result[] = [];
  try {
    for (const cn of caseNames) {
      if (Date.now() > deadline) throw new Error('time limit reached (--max-minutes)');
      const c = CASES[cn];
      // Under valgrind the threads take turns, so V8's background compiler falls far behind
      // the JS thread: after each part of the warm-up the server is left idle until the
      // compiler's queue has drained (its CPU use falls to nothing), as it would have natively.
      let bad = 0;
      for (let part = 0; part < 4; part++) {
        bad += await drive(port, c, Math.ceil(warmup / 4));
        await waitIdle(pid);
      }
      control(pid, '-i', 'on');
      // Window 0 is counted but thrown away (a late compile or two still lands in it).
      for (let w = 0; w <= windows; w++) {
        bad += await drive(port, c, requests);
        control(pid, '-d', `${cn}-${w}`);
      }
      control(pid, '-i', 'off');
      results.push({ server: name, case: cn, irPerReq: [], sysPerReq: [], fnsPerReq: new Map(), bad });
    }
  } finally {
    child.kill('SIGKILL');
    current = null;
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)));
  }
  // Dumps are named <prefix>.<pid>.<n>; the hint says which case and window each holds.
  const dumps = readdirSync(tmp)
    .filter((f) => f.startsWith(`cg.${name}.${pid}.`))
    .map((f) => readDump(join(tmp, f)));
  for (const r of results) {
    for (const d of dumps.filter((x) => x.hint.startsWith(`${r.case}-`) && x.hint !== `${r.case}-0`)) {
      r.irPerReq.push(d.ir / requests);
      r.sysPerReq.push(d.sys / requests);
      for (const [fn, v] of d.fns) r.fnsPerReq.set(fn, (r.fnsPerReq.get(fn) ?? 0) + v / requests / windows);
    }
    const mean = r.irPerReq.reduce((a, b) => a + b, 0) / r.irPerReq.length;
    console.log(
      `  ${r.case.padEnd(6)} ${fmt(mean)} Ir/req (windows: ${r.irPerReq.map(fmt).join(', ')}), ${r.sysPerReq.map((s) => s.toFixed(2)).join(', ')} syscalls/req${r.bad ? `, ${r.bad} non-2xx` : ''}`,
    );
  }
  return results;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function report(all: Result[]): string {
  const get = (s: string, c: string): Result | undefined => all.find((r) => r.server === s && r.case === c);
  const lines: string[] = [];
  lines.push(
    `Run: ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim()}), valgrind callgrind (JIT on, --smc-check=all-non-file), ` +
      `${warmup} warm-up requests then ${windows} × ${requests} counted, ${concurrency} keep-alive connections. Load average at end ${loadavg()
        .map((x) => x.toFixed(2))
        .join('/')} (does not affect the counts).`,
    '',
    '| case | server | Ir/request | per window | ×node | ×fastify | syscalls/request |',
    '|---|---|---:|---|---:|---:|---:|',
  );
  for (const c of caseNames) {
    const base = get('node', c);
    const fast = get('fastify', c);
    for (const s of SERVERS) {
      const r = get(s, c);
      if (!r || r.irPerReq.length === 0) continue;
      const m = mean(r.irPerReq);
      const xn = base ? (m / mean(base.irPerReq)).toFixed(2) : '—';
      const xf = fast ? (m / mean(fast.irPerReq)).toFixed(2) : '—';
      lines.push(`| ${c} | ${s} | ${fmt(m)} | ${r.irPerReq.map(fmt).join(', ')} | ${xn} | ${xf} | ${mean(r.sysPerReq).toFixed(2)} |`);
    }
  }
  // Where the difference to bare node:http goes, by bucket and by function.
  for (const other of SERVERS.filter((s) => s !== 'node')) {
    for (const c of caseNames) {
      const a = get(other, c);
      const b = get('node', c);
      if (!a || !b) continue;
      const buckets = new Map<string, [number, number]>();
      for (const [fn, v] of a.fnsPerReq) {
        const k = bucket(fn);
        const e = buckets.get(k) ?? [0, 0];
        e[0] += v;
        buckets.set(k, e);
      }
      for (const [fn, v] of b.fnsPerReq) {
        const k = bucket(fn);
        const e = buckets.get(k) ?? [0, 0];
        e[1] += v;
        buckets.set(k, e);
      }
      lines.push('', `**${c}: ${other} vs node, by bucket (Ir/request)**`, '', `| bucket | ${other} | node | difference |`, '|---|---:|---:|---:|');
      for (const [k, [x, y]] of [...buckets].sort((p, q) => q[1][0] - q[1][1] - (p[1][0] - p[1][1])))
        lines.push(`| ${k} | ${fmt(x)} | ${fmt(y)} | ${x - y >= 0 ? '+' : ''}${fmt(x - y)} |`);
      const fns = new Set([...a.fnsPerReq.keys(), ...b.fnsPerReq.keys()]);
      const diffs = [...fns]
        .map((fn) => ({ fn, x: a.fnsPerReq.get(fn) ?? 0, y: b.fnsPerReq.get(fn) ?? 0 }))
        .sort((p, q) => q.x - q.y - (p.x - p.y))
        .slice(0, top);
      lines.push(
        '',
        `Top ${top} functions where ${other} exceeds node (${c}, Ir/request):`,
        '',
        `| function | ${other} | node | difference |`,
        '|---|---:|---:|---:|',
      );
      for (const d of diffs) lines.push(`| \`${d.fn.replace(/\|/g, '\\|').slice(0, 110)}\` | ${fmt(d.x)} | ${fmt(d.y)} | +${fmt(d.x - d.y)} |`);
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (spawnSync('valgrind', ['--version']).status !== 0) throw new Error('valgrind is not installed (apt-get install -y valgrind)');
  if (!existsSync(tmp)) mkdirSync(tmp, { recursive: true });
  console.log(`callgrind: ${SERVERS.join(', ')} × ${caseNames.join(', ')}; ${warmup} warm-up + ${windows} × ${requests} requests, ${concurrency} connections`);
  const all: Result[] = [];
  for (const s of SERVERS) all.push(...(await measureServer(s)));
  const md = report(all);
  console.log(`\n${md}`);
  const out = arg('out', '');
  if (out) writeFileSync(out, `${md}\n`);
}

main().catch((err) => {
  console.error(err);
  cleanup();
  process.exit(1);
});
