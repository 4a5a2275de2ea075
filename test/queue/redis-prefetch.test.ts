import { afterAll, beforeAll, expect, it } from 'vitest';
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
  const q2 = new RedisTaskQueue(redis.url, { name: 'prefetch', concurrency: 2, prefetch: 2, pollMs: 50 });
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
  await q2.cancel(tasks[2].id);
  await waitFor(async () => (await q2.get(tasks[2].id))!.state === 'cancelled', 10_000);
  expect(started).toBe(2);
  await q2.close({ deadlineMs: 200 });
  await q.close();
});
