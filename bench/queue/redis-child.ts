/**
 * One measured run in its own process (the parent pins it with taskset), for bench/queue/redis.ts:
 *   e2e loupe|bullmq PORT N   enqueue N no-op tasks in batches of 1,000, then run them 10 in flight
 *   worker PORT NAME SLOTS    a worker process for the scaling run: sleep-bound tasks until SIGTERM
 * Prints one JSON line.
 */
import { z } from 'zod';
import { RedisTaskQueue } from '../../src/main/queue';

const [mode, a1, a2, a3] = process.argv.slice(2);
const BATCH = 1000;
const IN_FLIGHT = 10;

function cpuMs(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

/** LOUPE_PREFETCH: a number to fix the prefetch; unset or empty for the default ('auto'). */
function prefetchOption(): { prefetch?: number } {
  const v = process.env.LOUPE_PREFETCH;
  return v === undefined || v === '' ? {} : { prefetch: Number(v) };
}

async function loupeE2e(port: number, n: number) {
  const name = `bench${process.pid}`;
  const queue = new RedisTaskQueue(`redis://127.0.0.1:${port}`, { name, concurrency: IN_FLIGHT, pollMs: 500, ...prefetchOption() });
  queue.define('noop', { input: z.object({ i: z.number() }), handler: () => null });
  const counter = `${queue.store.prefix}n`;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let b = 0; b < n; b += BATCH) await queue.enqueueMany(Array.from({ length: Math.min(BATCH, n - b) }, (_, i) => ({ kind: 'noop', input: { i: b + i } })));
  const enqMs = performance.now() - t0;
  // The finish line is read every 5 ms, as BullMQ's loop below reads its in-process count, on a
  // connection of its own, so no read waits behind the runner's turns or delays them.
  const watch = queue.store.redis.duplicate();
  queue.start();
  while (Number((await watch.hget(counter, 'noop|succeeded')) ?? 0) < n) await new Promise((r) => setTimeout(r, 5));
  const ms = performance.now() - t0;
  watch.disconnect();
  const cpu = cpuMs(c0);
  await queue.stop();
  await queue.store.redis.eval(`for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end`, 0, `${queue.store.prefix}*`);
  await queue.close();
  return { ms, enqMs, cpuMs: cpu };
}

async function bullmqE2e(port: number, n: number) {
  const { Queue, Worker } = await import('bullmq');
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const queue = new Queue(`bench${process.pid}`, { connection });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let b = 0; b < n; b += BATCH) await queue.addBulk(Array.from({ length: Math.min(BATCH, n - b) }, (_, i) => ({ name: 'noop', data: { i: b + i } })));
  const enqMs = performance.now() - t0;
  let done = 0;
  const worker = new Worker(`bench${process.pid}`, async () => null, { connection, concurrency: IN_FLIGHT });
  worker.on('completed', () => void done++);
  while (done < n) await new Promise((r) => setTimeout(r, 5));
  const ms = performance.now() - t0;
  const cpu = cpuMs(c0);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { ms, enqMs, cpuMs: cpu };
}

async function worker(port: number, name: string, slots: number) {
  const queue = new RedisTaskQueue(`redis://127.0.0.1:${port}`, { name: 'scale', workerId: name, concurrency: slots, pollMs: 100, ...prefetchOption() });
  queue.define('sleep', { input: z.object({ ms: z.number() }), handler: ({ ms }) => new Promise((r) => setTimeout(r, ms)) });
  queue.start();
  await queue.ready();
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => void queue.close({ deadlineMs: 1000 }).then(() => process.exit(0)));
}

async function main(): Promise<void> {
  if (mode === 'worker') return worker(Number(a1), a2, Number(a3));
  const r = a1 === 'loupe' ? await loupeE2e(Number(a2), Number(a3)) : await bullmqE2e(Number(a2), Number(a3));
  process.stdout.write(JSON.stringify({ name: a1, ...r }) + '\n');
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
