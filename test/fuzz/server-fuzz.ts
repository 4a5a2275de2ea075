// Issue 12's fuzz run: thousands of generated scripts, host calls in the mix, against a real
// `loupe serve` through POST /v1/scripts/run, while /v1/health is polled every 50 ms from
// another thread. Records every server death (and restarts it, to go on), every health
// answer slower than 200 ms, and every write outside the granted folders.
//   npx tsx test/fuzz/server-fuzz.ts --count 10000 [--from 0] [--seed 1] [--concurrency 2] [--out report.json] [--stop-file PATH]
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import WebSocket from 'ws';
import { call } from '../api/client';
import { ROOT, ensureBuilt } from '../e2e/loupe-server';
import { rng } from '../lang/gen';
import { diffTrees, listTree, makeSandbox, markedInTmp, type Sandbox } from './fuzz-files';
import { fuzzScript } from './host-script-gen';

export interface FuzzOptions {
  count: number;
  /** First script index (to replay the tail of a run: `--from 9500 --count 500`). */
  from?: number;
  seed?: number;
  concurrency?: number;
  /** Each script's time limit (ms) in POST /v1/scripts/run. */
  scriptTimeoutMs?: number;
  /** After a server death: restart and go on (true), or stop the run. */
  keepGoing?: boolean;
  log?: (line: string) => void;
  /** Written with the report so far every 100 scripts (a long run cut short still says what it saw). */
  progressFile?: string;
  /** Asked before each script: true ends the run early, with the final checks still made. */
  shouldStop?: () => boolean;
}

/** How long past its own limit a script's answer may take before the server counts as stalled. */
const STALL_MS = 10_000;

function postWithin(base: string, path: string, token: string, body: string, ms: number): Promise<{ status: number; text: string; json: any }> {
  return new Promise((ok, fail) => {
    const req = httpRequest(
      new URL(path, base),
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        signal: AbortSignal.timeout(ms),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = null;
          try {
            json = JSON.parse(text);
          } catch {
            // not JSON
          }
          ok({ status: res.statusCode ?? 0, text, json });
        });
        res.on('error', fail);
      },
    );
    req.on('error', (err) => fail(err.name === 'AbortError' ? Object.assign(new Error(`no answer in ${ms} ms`), { name: 'TimeoutError' }) : err));
    req.end(body);
  });
}

export interface FuzzReport {
  count: number;
  ran: number;
  seconds: number;
  outcomes: Record<string, number>;
  /** Scripts during which the server process died (exit code or signal, last stderr). */
  deaths: Array<{ index: number; seed: number; exit: string; stderr: string; source: string }>;
  health: {
    polls: number;
    maxMs: number;
    slow: Array<{ at: number; ms: number; running: number[] }>;
    failed: Array<{ at: number; error: string; running: number[] }>;
  };
  /** Scripts after which the server answered nothing for 10 s past the script's limit (then killed and restarted). */
  stalls: Array<{ index: number; running: number[]; source: string }>;
  /** /v1/health polled for 10 s before any script ran: what the machine alone costs. */
  baseline: { polls: number; maxMs: number; over200: number };
  /** Answers other than 200 / 422 script_error, and requests that failed while the server lived. */
  unexpected: Array<{ index: number; status: number; body: string }>;
  outsideWrites: string[];
  /** What the app itself wrote to its HOME cache and TMPDIR (onnxruntime and the like): listed, not counted. */
  appWrites: string[];
  /** Pictures from outside the granted folders that an enqueued import brought in. */
  readEscapes: string[];
  /** Runs that ended normally although a `finally { return }` sat around a time or depth limit. */
  limitEscapes: number[];
  modelId: string;
  slowestScripts: Array<{ index: number; ms: number }>;
}

const POLLER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
let url = workerData.url, paused = false, inflight = false;
const stats = { polls: 0, maxMs: 0, slow: [], failed: [] };
const tick = setInterval(() => {
  if (paused || inflight) return;
  inflight = true;
  const t0 = performance.now(), at = Date.now();
  const req = http.get(url + '/v1/health', { headers: { authorization: 'Bearer ' + workerData.token }, timeout: 10000 }, (res) => {
    res.resume();
    res.on('end', () => {
      const ms = performance.now() - t0;
      stats.polls++;
      stats.maxMs = Math.max(stats.maxMs, ms);
      if (ms > 200 || res.statusCode !== 200) stats.slow.push({ at, ms: Math.round(ms), status: res.statusCode });
      inflight = false;
    });
  });
  req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
  req.on('error', (e) => { if (!paused) stats.failed.push({ at, error: String(e.message) }); inflight = false; });
}, 50);
parentPort.on('message', (m) => {
  if (m.url) url = m.url;
  if (m.pause !== undefined) paused = m.pause;
  if (m.stop) { clearInterval(tick); parentPort.postMessage(stats); }
  if (m.take) { parentPort.postMessage({ ...stats }); stats.polls = 0; stats.maxMs = 0; stats.slow = []; stats.failed = []; }
});
`;

interface Server {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exit: () => string | null;
}

function startServer(sb: Sandbox, token: string): Promise<Server> {
  // LOUPE_FUZZ_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server through a run.
  const nodeArgs = (process.env.LOUPE_FUZZ_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // The working folder is the sandbox's too: a relative path that slips through lands where it is seen.
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'bin/loupe.js'), 'serve', '--port', '0', '--data', sb.data, '--token', token], {
    cwd: sb.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOME: sb.home, TMPDIR: sb.tmp, LOUPE_AUTO_TRAIN: '0' },
  });
  let out = '';
  let err = '';
  let exit: string | null = null;
  child.on('exit', (code, signal) => (exit = signal ?? `exit ${code}`));
  child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`loupe serve did not start in 60 s: ${out}${err}`)), 60_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /loupe listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({ child, url: m[1], stderr: () => err, exit: () => exit });
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      fail(new Error(`loupe serve ended while starting: ${out}${err}`));
    });
  });
}

async function stopServer(s: Server): Promise<void> {
  if (s.exit() !== null) return;
  const done = new Promise((ok) => s.child.once('exit', ok));
  s.child.kill('SIGTERM');
  const t = setTimeout(() => s.child.kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(t);
}

/** One contract call over /ipc with the token (granting folders has no HTTP route). */
function ipcCall(url: string, token: string, method: string, params: unknown): Promise<unknown> {
  return new Promise((ok, fail) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ipc?token=${token}`);
    ws.once('error', fail);
    ws.once('open', () => ws.send(JSON.stringify({ id: 1, method, params })));
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { id?: number; ok?: boolean; value?: unknown; error?: unknown };
      if (m.id !== 1) return;
      ws.close();
      if (m.ok) ok(m.value);
      else fail(new Error(`${method}: ${JSON.stringify(m.error)}`));
    });
  });
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

interface PollStats {
  polls: number;
  maxMs: number;
  slow: Array<{ at: number; ms: number }>;
  failed: Array<{ at: number; error: string }>;
}

/** The poller's numbers so far, and a fresh start (or its end, with `stop`). */
function pollerStats(poller: Worker, stop = false): Promise<PollStats> {
  return new Promise((ok) => {
    poller.once('message', ok);
    poller.postMessage(stop ? { stop: true } : { take: true });
  });
}

/** A dataset with a trained model, so enqueued predict-folder tasks get as far as their output. */
async function prepare(url: string, token: string, sb: Sandbox, log: (s: string) => void): Promise<{ datasetId: string; modelId: string }> {
  for (const g of sb.granted) await ipcCall(url, token, 'scripts.folders.grant', { path: g });
  const json = { 'content-type': 'application/json' };
  const ds = await call(url, 'POST', '/v1/datasets', { token, headers: json, body: JSON.stringify({ name: 'fuzz' }) });
  const datasetId = ds.json.id as string;
  await call(url, 'POST', `/v1/datasets/${datasetId}/import`, { token, headers: json, body: JSON.stringify({ path: sb.granted[0] }) });
  for (let i = 0; i < 120; i++) {
    const n = ((await call(url, 'GET', `/v1/datasets/${datasetId}`, { token })).json.imageCount as number) ?? 0;
    if (n >= 8) break;
    await sleep(500);
  }
  let modelId = 'no-model-trained';
  const started = await call(url, 'POST', `/v1/datasets/${datasetId}/train`, { token, headers: json, body: '{}' });
  const runId = (started.json?.id ?? started.json?.runId) as string | undefined;
  for (let i = 0; runId && i < 240; i++) {
    const run = (await call(url, 'GET', `/v1/runs/${runId}`, { token })).json as { status: string; modelId: string | null; error: unknown };
    if (run.status === 'succeeded' && run.modelId) {
      modelId = run.modelId;
      break;
    }
    if (run.status === 'failed' || run.status === 'cancelled') {
      log(`training failed: ${JSON.stringify(run.error)}`);
      break;
    }
    await sleep(500);
  }
  log(`dataset ${datasetId}, model ${modelId}`);
  return { datasetId, modelId };
}

/** Waits for what the scripts enqueued to end (their writes count too), then cancels the rest. */
async function drainTasks(url: string, token: string, log: (s: string) => void): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const busy: Array<{ id: string }> = [];
    for (const state of ['queued', 'running']) {
      const r = await call(url, 'GET', `/v1/tasks?state=${state}&limit=100`, { token });
      busy.push(...((r.json?.items ?? []) as Array<{ id: string }>));
    }
    if (busy.length === 0) return;
    if (Date.now() > deadline) {
      log(`cancelling ${busy.length} tasks still waiting after 180 s`);
      for (const t of busy) await call(url, 'POST', `/v1/tasks/${t.id}/cancel`, { token });
      await sleep(3000);
      return;
    }
    await sleep(1000);
  }
}

export async function runServerFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const log = opts.log ?? (() => {});
  const seed = opts.seed ?? 1;
  const concurrency = opts.concurrency ?? 2;
  const timeoutMs = opts.scriptTimeoutMs ?? 800;
  ensureBuilt();
  const sb = await makeSandbox();
  const token = randomBytes(24).toString('hex');
  let server = await startServer(sb, token);
  const t0 = Date.now();
  const report: FuzzReport = {
    count: opts.count,
    ran: 0,
    seconds: 0,
    outcomes: {},
    deaths: [],
    stalls: [],
    baseline: { polls: 0, maxMs: 0, over200: 0 },
    health: { polls: 0, maxMs: 0, slow: [], failed: [] },
    unexpected: [],
    outsideWrites: [],
    appWrites: [],
    readEscapes: [],
    limitEscapes: [],
    modelId: '',
    slowestScripts: [],
  };
  const poller = new Worker(POLLER, { eval: true, workerData: { url: server.url, token } });
  try {
    const { datasetId, modelId } = await prepare(server.url, token, sb, log);
    report.modelId = modelId;
    const layout = { granted: sb.granted, outside: sb.outside, home: sb.home, tmp: sb.tmp, marker: sb.marker, datasetId, modelId };
    const skip = [sb.data, join(sb.root, 'granted')];
    // The machine's own share: health polled with nothing else running (stats so far are the baseline).
    await sleep(10_000);
    const base = await pollerStats(poller);
    report.baseline = { polls: base.polls, maxMs: Math.round(base.maxMs), over200: base.slow.length };
    log(`baseline: ${JSON.stringify(report.baseline)}`);
    const before = listTree(sb.root, skip);
    const tmpBefore = markedInTmp(sb.marker);
    const running = new Map<number, number>(); // index → start time
    const spans: Array<{ index: number; start: number; end: number }> = [];
    const end = (opts.from ?? 0) + opts.count;
    let next = opts.from ?? 0;
    let stop = false;
    let restarting: Promise<void> | null = null;
    let stallKill = false;

    const one = async (index: number) => {
      const source = fuzzScript(rng(seed * 1_000_003 + index), layout, index);
      const start = Date.now();
      running.set(index, start);
      let status = 0;
      let body = '';
      let code = '';
      try {
        const r = await postWithin(server.url, '/v1/scripts/run', token, JSON.stringify({ source, timeoutMs }), timeoutMs + STALL_MS);
        status = r.status;
        body = r.text.slice(0, 300);
        // Stack overflow is an ordinary, catchable error (LANGUAGE.md §8); time and memory limits are not.
        if (r.status === 200 && /escaped the time limit|caught Memory limit exceeded|caught Time limit exceeded/.test(String(r.json?.output ?? '')))
          report.limitEscapes.push(index);
        code =
          r.status === 200
            ? 'ok'
            : r.status === 422 && r.json?.error?.code === 'script_error'
              ? `error: ${String(r.json.error.message)
                  .split(sb.root)
                  .join('SANDBOX')
                  .replace(/[0-9]+/g, 'N')
                  .slice(0, 70)}`
              : `http ${r.status}`;
      } catch (err) {
        code = err instanceof Error && err.name === 'TimeoutError' ? 'stalled' : 'request failed';
        body = String(err);
      }
      const inFlight = [...running.keys()];
      running.delete(index);
      spans.push({ index, start, end: Date.now() });
      report.ran++;
      report.outcomes[code] = (report.outcomes[code] ?? 0) + 1;
      if (code === 'stalled' && server.exit() === null && !restarting && !stallKill) {
        // The server did not answer a script limited to timeoutMs within 10 s more: its
        // main thread is stuck. Recorded once, with every script in flight (any of them may
        // be the cause); the server is killed so the run goes on.
        report.stalls.push({ index, running: inFlight, source: source.slice(0, 1500) });
        log(`server stalled during script ${index}; killing it`);
        stallKill = true;
        poller.postMessage({ pause: true });
        server.child.kill('SIGKILL');
        await new Promise((ok) => (server.exit() !== null ? ok(null) : server.child.once('exit', ok)));
      }
      if (server.exit() !== null || code === 'request failed' || code === 'stalled') {
        await sleep(300);
        if (server.exit() !== null) {
          if (!restarting) {
            if (code !== 'stalled' && !stallKill)
              report.deaths.push({ index, seed, exit: server.exit()!, stderr: server.stderr().slice(-1500), source: source.slice(0, 1500) });
            if (!stallKill) log(`server died during script ${index} (${server.exit()}); ${opts.keepGoing ? 'restarting' : 'stopping'}`);
            if (!opts.keepGoing) {
              stop = true;
              return;
            }
            poller.postMessage({ pause: true });
            restarting = (async () => {
              server = await startServer(sb, token);
              poller.postMessage({ url: server.url, pause: false });
              stallKill = false;
            })().finally(() => (restarting = null));
          }
          await restarting;
          return;
        }
      }
      if (code.startsWith('http') || code === 'request failed') report.unexpected.push({ index, status, body });
      if (opts.progressFile && report.ran % 100 === 0)
        writeFileSync(opts.progressFile, JSON.stringify({ ...report, seconds: Math.round((Date.now() - t0) / 1000) }, null, 1));
    };

    const lane = async () => {
      while (!stop && next < end) {
        if (opts.shouldStop?.()) {
          if (!stop) log(`stopping early after ${next} scripts, as asked`);
          stop = true;
          break;
        }
        if (restarting) await restarting;
        const index = next++;
        await one(index);
        if (index % 100 === 0) log(`${index}/${end} after ${Math.round((Date.now() - t0) / 1000)} s: ${JSON.stringify(report.outcomes).slice(0, 300)}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    if (server.exit() === null) await drainTasks(server.url, token, log);

    const stats = await pollerStats(poller, true);
    const during = (at: number) => spans.filter((s) => s.start <= at && at <= s.end + 50).map((s) => s.index);
    report.health = {
      polls: stats.polls,
      maxMs: Math.round(stats.maxMs),
      slow: stats.slow.map((s) => ({ ...s, running: during(s.at) })),
      failed: stats.failed.map((f) => ({ ...f, running: during(f.at) })),
    };
    const changes = diffTrees(before, listTree(sb.root, skip));
    // The server's own caches and temp files are its business; a script's names carry the marker.
    const appOwn = (c: string) => / home\/\.cache\//.test(c) || (/ tmp\//.test(c) && !c.includes(sb.marker));
    report.appWrites = changes.filter(appOwn);
    report.outsideWrites = [
      ...changes.filter((c) => !appOwn(c)),
      ...markedInTmp(sb.marker)
        .filter((n) => !tmpBefore.includes(n))
        .map((n) => `created /tmp/${n}`),
    ];
    if (server.exit() === null) {
      const imgs = await call(server.url, 'GET', `/v1/datasets/${datasetId}/images?limit=500`, { token });
      report.readEscapes = ((imgs.json?.items ?? []) as Array<{ fileName: string }>).map((i) => i.fileName).filter((n) => /^p90\d\./.test(n));
    }
    report.slowestScripts = spans
      .map((s) => ({ index: s.index, ms: s.end - s.start }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 10);
  } finally {
    report.seconds = Math.round((Date.now() - t0) / 1000);
    await poller.terminate();
    await stopServer(server);
    for (const n of markedInTmp(sb.marker)) rmSync(join('/tmp', n), { recursive: true, force: true });
    if (!process.env.LOUPE_FUZZ_KEEP) rmSync(sb.root, { recursive: true, force: true });
  }
  return report;
}

/** Regenerates script `index` of a run, to read or replay it. */
export function fuzzSource(seed: number, index: number, layout: Parameters<typeof fuzzScript>[1]): string {
  return fuzzScript(rng(seed * 1_000_003 + index), layout, index);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string, d: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : d;
  };
  const report = await runServerFuzz({
    count: Number(arg('count', '10000')),
    from: Number(arg('from', '0')),
    seed: Number(arg('seed', '1')),
    concurrency: Number(arg('concurrency', '2')),
    keepGoing: true,
    log: (l) => console.error(`[fuzz] ${new Date().toISOString().slice(11, 19)} ${l}`),
    progressFile: arg('out', '') || undefined,
    // `touch` this file to end a long run early; the final checks still run.
    shouldStop: () => existsSync(arg('stop-file', '/nonexistent/loupe-fuzz-stop')),
  });
  const text = JSON.stringify(report, null, 2);
  const out = arg('out', '');
  if (out) writeFileSync(out, text);
  console.log(text);
  const ok =
    report.deaths.length === 0 &&
    report.stalls.length === 0 &&
    report.health.slow.length === 0 &&
    report.health.failed.length === 0 &&
    report.outsideWrites.length === 0 &&
    report.readEscapes.length === 0 &&
    report.limitEscapes.length === 0 &&
    report.unexpected.length === 0;
  process.exit(ok ? 0 : 1);
}
