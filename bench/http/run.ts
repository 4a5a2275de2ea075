/**
 * HTTP framework benchmark: Loupe vs Fastify vs Hono vs Express 5 vs bare node:http.
 *
 * Each server is a child process pinned to core 0; autocannon runs pinned to core 1.
 * Rounds interleave the servers case by case (A B C D E, A B C D E, ...), and each
 * measurement follows a thrown-away warm-up. The server's CPU time per request comes from
 * /proc/PID/stat (utime + stime), which stays meaningful on a busy machine where req/s
 * does not.
 *
 *   npm run bench:http -- [--duration 10] [--warmup 2] [--rounds 4] [--connections 100]
 *                         [--servers loupe,fastify,...] [--cases hello,param,echo,rest] [--out FILE]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize, type Sample } from './report';
import { routerBench } from './router-bench';
import { CASES } from './cases';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i !== -1 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
}

const duration = Number(arg('duration', '10'));
const warmup = Number(arg('warmup', '2'));
const rounds = Number(arg('rounds', '4'));
const connections = Number(arg('connections', '100'));
const SERVERS = arg('servers', 'loupe,fastify,hono,express,node').split(',');
const caseNames = arg('cases', Object.keys(CASES).join(',')).split(',');
const pinned = cpus().length >= 2;
const CLK_TCK = 100;

function pin(core: number, cmd: string, args: string[]): [string, string[]] {
  return pinned ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args];
}

interface Running {
  name: string;
  child: ChildProcess;
  port: number;
}

async function startServer(name: string): Promise<Running> {
  const [cmd, args] = pin(0, process.execPath, ['--import', 'tsx', join(here, 'servers', `${name}.ts`), '0']);
  const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`${name} did not start`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /ready (\d+)/.exec(buf);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return { name, child, port };
}

/** CPU ticks (user + system) of a process and its threads, from /proc/PID/stat. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** The PID doing the serving: with taskset, the node process is taskset's exec'd image (same PID). */
function serverPid(r: Running): number {
  return r.child.pid as number;
}

interface LoadResult {
  requests: number;
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
}

function load(port: string | number, c: { path: string; method?: string; body?: string }, seconds: number): Promise<LoadResult> {
  const bin = join(root, 'node_modules', 'autocannon', 'autocannon.js');
  const args = [bin, '-c', String(connections), '-d', String(seconds), '-j', '--renderStatusCodes', 'false'];
  if (c.method) args.push('-m', c.method);
  if (c.body) args.push('-H', 'content-type=application/json', '-b', c.body);
  args.push(`http://127.0.0.1:${port}${c.path}`);
  const [cmd, a] = pin(1, process.execPath, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, a, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', () => undefined);
    child.once('exit', () => {
      try {
        const j = JSON.parse(out.slice(out.indexOf('{')));
        resolve({
          requests: j.requests.total,
          rps: j.requests.average,
          p99: j.latency.p99,
          errors: j.errors + j.timeouts,
          non2xx: j.non2xx,
        });
      } catch (err) {
        reject(new Error(`autocannon output was not JSON: ${(err as Error).message}`));
      }
    });
  });
}

async function main(): Promise<void> {
  console.log(
    `HTTP bench: ${SERVERS.join(', ')} × ${caseNames.join(', ')}; ${rounds} rounds × ${duration} s (+${warmup} s warm-up), ${connections} connections, pinned: ${pinned}`,
  );
  const loadStart = loadavg();
  const servers: Running[] = [];
  for (const s of SERVERS) servers.push(await startServer(s));
  const samples: Sample[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const cn of caseNames) {
        // Rotate the order each round so no server always runs first or last in a case.
        const order = servers.map((_, i) => servers[(i + round - 1) % servers.length]);
        for (const s of order) {
          if (warmup > 0) await load(s.port, CASES[cn], warmup);
          const pid = serverPid(s);
          const before = cpuTicks(pid);
          const r = await load(s.port, CASES[cn], duration);
          const ticks = cpuTicks(pid) - before;
          const cpuUsPerReq = r.requests > 0 ? (ticks * (1e6 / CLK_TCK)) / r.requests : NaN;
          samples.push({ round, case: cn, server: s.name, cpuUsPerReq, rps: r.rps, p99: r.p99, errors: r.errors, non2xx: r.non2xx });
          console.log(
            `round ${round} ${cn.padEnd(6)} ${s.name.padEnd(8)} ${r.rps.toFixed(0).padStart(7)} req/s  ${cpuUsPerReq.toFixed(1).padStart(6)} µs CPU/req  p99 ${r.p99} ms${r.errors + r.non2xx ? `  errors ${r.errors} non2xx ${r.non2xx}` : ''}`,
          );
        }
      }
    }
  } finally {
    for (const s of servers) s.child.kill('SIGKILL');
  }
  const router = routerBench();
  const md = `${summarize(samples, { duration, warmup, rounds, connections, pinned, load: { start: loadStart, end: loadavg() } })}\n\nRouter lookup, in-process (10 vs 1,000 routes of the same shapes):\n\n${router}\n`;
  console.log(`\n${md}`);
  const out = arg('out', '');
  if (out) writeFileSync(out, md);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
