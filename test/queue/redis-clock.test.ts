import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { RedisTaskQueue } from '../../src/main/queue';
import { type RedisHandle, startRedis } from './redis-server';
import { sleep, waitFor } from './stores/harness';

let redis: RedisHandle;
const realNow = Date.now;
beforeAll(async () => {
  redis = await startRedis();
});
afterEach(() => {
  Date.now = realNow;
});
afterAll(() => redis.stop());

it("a runner whose clock is an hour ahead keeps its leases and runs delayed tasks on time (times are the server's)", async () => {
  const skewed = new RedisTaskQueue(redis.url, { name: 'skew', leaseMs: 1000, heartbeatMs: 250, pollMs: 50, workerId: 'fast-clock' });
  skewed.define('slow', { input: z.number(), maxAttempts: 1, handler: async (n) => (await sleep(2500), n) });
  skewed.define('later', { input: z.number(), handler: (n) => n });
  Date.now = () => realNow() + 3_600_000;
  const slow = await skewed.enqueue('slow', 1);
  const enqueuedAt = realNow();
  const later = await skewed.enqueue('later', 2, { delayMs: 400 });
  skewed.start();
  const done = await waitFor(async () => {
    const t = await skewed.get(later.id);
    return t?.state === 'succeeded' ? t : null;
  }, 10_000);
  // Due 400 ms after the enqueue on the server's clock: neither at once nor an hour off.
  expect(done.startedAt! - done.createdAt).toBeGreaterThanOrEqual(390);
  expect(realNow() - enqueuedAt).toBeLessThan(5000);
  // 2.5 s of work under a 1 s lease: the heartbeats keep it (no lease_expired, one attempt).
  const s = await waitFor(async () => {
    const t = await skewed.get(slow.id);
    return t && t.state !== 'queued' && t.state !== 'running' ? t : null;
  }, 15_000);
  expect(s).toMatchObject({ state: 'succeeded', attempts: 1, result: 1 });
  expect((await skewed.stats()).workers.find((w) => w.id === 'fast-clock')?.alive).toBe(true);
  await skewed.close();
});
