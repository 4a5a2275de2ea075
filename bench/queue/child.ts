/**
 * One measured run of one contender in its own process (the parent pins it with taskset):
 * prints a JSON line with wall time and CPU time per phase and the peak RSS.
 */
import { type Phases, type Sync, bullmq, loupe, plainjob } from './contenders';

const [name, sync, nArg, portArg] = process.argv.slice(2);
const N = Number(nArg);
const BATCH = 1000;
const IN_FLIGHT = 10;

async function measure(fn: () => Promise<void>): Promise<{ ms: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000 };
}

/** How many durable commits per second this disk allows: the ceiling for one claim+complete commit per turn. */
async function commitFloor(): Promise<void> {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { default: Database } = await import('better-sqlite3');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbench-floor-'));
  const db = new Database(path.join(dir, 'f.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${sync}`);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)');
  const ins = db.prepare('INSERT INTO t (v) VALUES (?)');
  const n = 500;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) ins.run(i);
  const ms = performance.now() - t0;
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ name, sync, commitsPerSec: (n * 1000) / ms }) + '\n');
  process.exit(0);
}

async function main(): Promise<void> {
  if (name === 'floor') return commitFloor();
  const phases: Phases = name === 'loupe' ? loupe(sync as Sync) : name === 'plainjob' ? await plainjob(sync as Sync) : await bullmq(Number(portArg));
  const one = await measure(() => phases.enqueueOne(N));
  const batch = await measure(() => phases.enqueueBatch(N, BATCH));
  const proc = await measure(() => phases.process(N, IN_FLIGHT));
  await phases.close();
  const out = { name, sync, n: N, one, batch, process: proc, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
