import { afterAll, beforeAll, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { RedisTaskQueue } from '../../src/main/queue';
import { type RedisHandle, startRedis } from './redis-server';
import { sleep, waitFor } from './stores/harness';

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());

it("prefetched tasks run once each, respect a kind's limit, and a cancelled one never starts", async () => {
  const q = new RedisTaskQueue(redis.url, { name: 'prefetch', concurrency: 3, prefetch: 6, pollMs: 50 });
  const runs = new Map<number, number>();
  let now = 0;
  let peak = 0;
  q.define('job', {
    input: z.number(),
    handler: async (n) => {
      runs.set(n, (runs.get(n) ?? 0) + 1);
      await sleep(5);
      return n;
    },
  });
  q.define('limited', {
    input: z.number(),
    concurrency: 1,
    handler: async () => {
      peak = Math.max(peak, ++now);
      await sleep(10);
      now--;
    },
  });
  await q.enqueueMany(Array.from({ length: 60 }, (_, n) => ({ kind: 'job', input: n })));
  await q.enqueueMany(Array.from({ length: 5 }, (_, n) => ({ kind: 'limited', input: n })));
  q.start();
  await waitFor(async () => (await q.stats()).totals.succeeded === 65, 30_000);
  expect([...runs.values()].every((v) => v === 1) && runs.size === 60).toBe(true);
  expect(peak).toBe(1);
  // Every one has a start time, whether it was written at claim, by a later turn, or with its finish.
  const done = (await q.list({ state: 'succeeded', limit: 100 })).items;
  expect(done).toHaveLength(65);
  for (const t of done) expect(t.startedAt !== null && t.startedAt <= t.finishedAt! && t.startedAt >= t.createdAt).toBe(true);

  // Two long tasks fill the slots; the third is claimed ahead (prefetched) and cancelled before it starts.
  let started = 0;
  q.define('long', {
    input: z.number(),
    handler: async (n, ctx) => {
      started++;
      if (n < 3) await new Promise((r) => ctx.signal.addEventListener('abort', r));
      return n;
    },
  });
  await q.stop();
  const q2 = new RedisTaskQueue(redis.url, { name: 'prefetch', concurrency: 2, prefetch: 2, pollMs: 50, heartbeatMs: 200 });
  q2.define('long', {
    input: z.number(),
    handler: async (n, ctx) => {
      started++;
      await new Promise((r) => ctx.signal.addEventListener('abort', r));
      return n;
    },
  });
  const tasks = await q2.enqueueMany([0, 1, 2].map((n) => ({ kind: 'long', input: n })));
  q2.start();
  await waitFor(async () => (await q2.get(tasks[2].id))!.state === 'running', 10_000);
  expect(started).toBeLessThanOrEqual(2);
  // The prefetched one holds a lease but reads as claimed: no start time, while the two in slots have one.
  await waitFor(async () => started === 2, 10_000);
  expect((await q2.get(tasks[2].id))!.startedAt).toBeNull();
  for (const t of tasks.slice(0, 2)) expect((await q2.get(t.id))!.startedAt).not.toBeNull();
  // Its heartbeat says so too: two running, one claimed.
  await waitFor(async () => (await q2.workers()).find((w) => w.id === q2.workerId)?.claimed === 1, 10_000);
  expect((await q2.workers()).find((w) => w.id === q2.workerId)?.running).toBe(2);
  await q2.cancel(tasks[2].id);
  await waitFor(async () => (await q2.get(tasks[2].id))!.state === 'cancelled', 10_000);
  expect(started).toBe(2);
  await q2.close({ deadlineMs: 200 });
  await q.close();
});

it('a prefetched task starts with a start time, and one whose lease ran out before a slot freed is not started', async () => {
  // Prefetch 1 beside one slot: the second task waits claimed while the first runs 100 ms.
  const q = new RedisTaskQueue(redis.url, { name: 'prefetch-start', concurrency: 1, prefetch: 1, pollMs: 50 });
  q.define('job', { input: z.number(), handler: () => sleep(100) });
  const [a, b] = await q.enqueueMany([0, 1].map((n) => ({ kind: 'job', input: n })));
  q.start();
  await waitFor(async () => (await q.get(b.id))!.state === 'succeeded', 10_000);
  const [ta, tb] = [(await q.get(a.id))!, (await q.get(b.id))!];
  // b began when a ended (its start was written by a later turn), not when it was claimed with a.
  expect(tb.startedAt).not.toBeNull();
  expect(tb.startedAt!).toBeGreaterThanOrEqual(ta.finishedAt! - 20);
  expect((await q.timeline(b.id)).filter((e) => e.event === 'started')).toHaveLength(1);
  await q.close();

  // No heartbeat within the 300 ms lease (heartbeats every 10 s): the task prefetched beside a
  // 600 ms one may belong to someone else by the time the slot frees, so it must not start.
  const lost: string[] = [];
  const runs: number[] = [];
  const slow = new RedisTaskQueue(redis.url, { name: 'prefetch-lapse', concurrency: 1, prefetch: 1, leaseMs: 300, heartbeatMs: 10_000, pollMs: 60_000 });
  slow.define('job', { input: z.number(), maxAttempts: 1, handler: async (n) => (runs.push(n), n === 0 ? sleep(600) : undefined) });
  slow.on('lost', (e) => lost.push(`${e.id}: ${e.reason}`));
  const [first, second] = await slow.enqueueMany([0, 1].map((n) => ({ kind: 'job', input: n })));
  slow.start();
  await waitFor(() => lost.length > 0, 10_000);
  expect(lost).toEqual([`${second.id}: its lease ran out before a slot freed, so it was not started`]);
  expect(runs).toEqual([0]);
  // Handed back once its lease ended (by any runner's heartbeat): never started, so the claim
  // was not an attempt, and with maxAttempts 1 it still runs rather than going dead.
  const other = new RedisTaskQueue(redis.url, { name: 'prefetch-lapse', concurrency: 1, prefetch: 0, pollMs: 50 });
  other.define('job', { input: z.number(), maxAttempts: 1, handler: (n) => void runs.push(n) });
  other.start();
  await waitFor(async () => (await other.get(second.id))!.state === 'succeeded', 10_000);
  expect((await other.get(second.id))!.attempts).toBe(1);
  expect(runs).toEqual([0, 1]);
  expect((await other.get(first.id))!.state).not.toBe('running');
  await other.close();
  await slow.close({ deadlineMs: 200 });
});

it('with two turns out, a dropped connection (CLIENT KILL) under a prefetched start runs each task once, with a true start time or none', async () => {
  // Short tasks on 2 slots with prefetch: claims are split between two turns out, and prefetched
  // tasks begin between turns, so turns carry their start times (alone or with their finish).
  const q = new RedisTaskQueue(redis.url, { name: 'prefetch-kill', concurrency: 2, prefetch: 6, pollMs: 50, leaseMs: 3000, heartbeatMs: 300 });
  const runs = new Map<number, { n: number; at: number; end: number }>();
  q.define('job', {
    input: z.number(),
    handler: async (n) => {
      const at = Date.now();
      await sleep(n % 3);
      const r = runs.get(n);
      runs.set(n, { n: (r?.n ?? 0) + 1, at, end: Date.now() });
    },
  });
  const lost: string[] = [];
  q.on('lost', (e) => lost.push(`${e.id}: ${e.reason}`));
  const admin = new Redis(redis.url);
  const connId = Number(await q.store.redis.client('ID'));
  // The first turn that writes a prefetched task's start while another turn is out: its
  // connection is killed on the server right behind it, so the reply never comes back.
  const store = q.store;
  const turn = store.turn.bind(store);
  let out = 0;
  let killed: { out: number } | null = null;
  store.turn = async (commit, claim) => {
    const carriesStart = commit !== null && (commit.starts.length > 0 || commit.finish.some((f) => f.s !== undefined));
    out++;
    const p = turn(commit, claim);
    if (!killed && carriesStart && out >= 2) {
      killed = { out };
      await admin.client('KILL', 'ID', String(connId));
    }
    try {
      return await p;
    } finally {
      out--;
    }
  };
  const tasks = await q.enqueueMany(Array.from({ length: 400 }, (_, n) => ({ kind: 'job', input: n })));
  q.start();
  await waitFor(async () => (await q.stats()).totals.succeeded === 400, 30_000);
  expect(killed).toEqual({ out: 2 });
  for (const [i, t] of tasks.entries()) {
    const row = (await q.get(t.id))!;
    const ran = runs.get(i)!;
    // Once, in one attempt: no re-run, no second claim counted.
    expect({ runs: ran.n, attempts: row.attempts, state: row.state }).toEqual({ runs: 1, attempts: 1, state: 'succeeded' });
    // A start time from before the handler began (its claim, or its begin as this runner saw
    // it; same machine, one clock), or none: never one written late.
    if (row.startedAt !== null) {
      expect(row.startedAt).toBeGreaterThanOrEqual(row.createdAt);
      expect(row.startedAt).toBeLessThanOrEqual(ran.at + 1);
    }
    expect((await q.timeline(t.id)).filter((e) => e.event === 'started').length).toBeLessThanOrEqual(1);
  }
  expect(lost).toEqual([]);
  admin.disconnect();
  await q.close();
});

it('a claimed row whose stored values hold a NUL (an earlier error message) still runs with its input', async () => {
  // Claimed rows travel as one NUL-joined string, or as an array when a value holds a NUL.
  const q = new RedisTaskQueue(redis.url, { name: 'nul-row', concurrency: 2, pollMs: 20 });
  const seen: string[] = [];
  q.define('job', {
    input: z.object({ s: z.string() }),
    maxAttempts: 2,
    backoff: { type: 'fixed', delayMs: 10 },
    handler: ({ s }, ctx) => {
      seen.push(s);
      if (ctx.attempt === 1) throw new Error('first\u0000try');
      ctx.progress(0.5, 'half');
      return s;
    },
  });
  // A running task's progress is announced from the claimed row: the earlier error read back whole.
  const announced: (string | undefined)[] = [];
  q.on('task', (task) => void (task.progressMessage === 'half' && announced.push(task.error?.message)));
  const t = await q.enqueue('job', { s: 'a\u0000b' });
  q.start();
  const done = await waitFor(async () => {
    const r = await q.get(t.id);
    return r?.state === 'succeeded' ? r : null;
  }, 10_000);
  expect(done).toMatchObject({ attempts: 2, result: 'a\u0000b' });
  expect(seen).toEqual(['a\u0000b', 'a\u0000b']);
  expect(announced[0]).toBe('first\u0000try');
  await q.close();
});
