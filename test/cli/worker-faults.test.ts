import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RedisTaskQueue, type Task } from '../../src/main/queue';
import { call } from '../api/client';
import { freePort, startRedis } from '../queue/redis-server';
import { TOKEN, datasetWith, embedTaskDone, ensureBuilt, serveWithBroker, start, stop, worker } from './cluster';

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'loupe-faults-'));
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const embedded = (data: string) => {
  const db = new Database(join(data, 'loupe.db'), { readonly: true });
  try {
    return (db.prepare('SELECT count(DISTINCT hash) AS n FROM embeddings').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

/** The broker's embed-batch tasks, read as the server sees them. */
async function batches(url: string): Promise<Task[]> {
  const q = new RedisTaskQueue(url, { name: 'loupe' });
  try {
    return (await q.list({ kind: 'embed-batch', limit: 1000 })).items;
  } finally {
    await q.close();
  }
}

async function until<T>(fn: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A TCP relay to Redis that the test can cut: the network between a worker and its broker. */
async function relay(target: number): Promise<{ port: number; cut(): void; heal(): void; close(): void }> {
  const sockets = new Set<net.Socket>();
  let open = true;
  const server = net.createServer((client) => {
    if (!open) return client.destroy();
    const up = net.connect(target, '127.0.0.1');
    sockets.add(client).add(up);
    client.pipe(up).pipe(client);
    const end = () => (client.destroy(), up.destroy());
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port,
    cut: () => {
      open = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    heal: () => (open = true),
    close: () => (server.close(), sockets.forEach((s) => s.destroy())),
  };
}

describe('workers under faults, with real processes', () => {
  it('a worker killed with SIGKILL mid-task: its tasks go back when its lease ends and run elsewhere; each picture stored once', async () => {
    const redis = await startRedis();
    const data = join(dir, 'kill');
    const server = await serveWithBroker(data, redis.url);
    const a = await worker(redis.url, server.url, 'doomed', ['--slots', '1', '--lease-ms', '1500']);
    let b;
    try {
      await datasetWith(server.url, 60);
      const held = await until(async () => (await batches(redis.url)).find((t) => t.state === 'running' && t.workerId === 'doomed'));
      await stop(a, 'SIGKILL');
      const killedAt = Date.now();
      b = await worker(redis.url, server.url, 'survivor', ['--slots', '2', '--lease-ms', '1500']);
      const back = await until(async () => (await batches(redis.url)).find((t) => t.id === held.id && t.workerId === 'survivor' && t.state === 'succeeded'));
      expect(back.attempts).toBe(2);
      expect(Date.now() - killedAt).toBeLessThan(30_000);
      const task = await embedTaskDone(server.url);
      expect(task.state).toBe('succeeded');
      const workers = (await call(server.url, 'GET', '/v1/workers', { token: TOKEN })).json.items as { name: string; state: string }[];
      expect(workers.find((w) => w.name === 'doomed')?.state).toBe('lost');
      expect(workers.find((w) => w.name === 'survivor')?.state).toBe('alive');
    } finally {
      if (b) await stop(b);
      await stop(a, 'SIGKILL');
      await stop(server);
      await redis.stop();
    }
    expect(embedded(data)).toBe(60);
  }, 180_000);

  it('the server killed with SIGKILL while workers run: after its restart every picture is embedded, each once', async () => {
    const redis = await startRedis();
    const data = join(dir, 'server-kill');
    const port = await freePort();
    const args = (p: number) => ['serve', '--port', String(p), '--data', data, '--token', TOKEN, '--broker', redis.url];
    let server = await start(args(port), /loupe listening on (http:\/\/\S+)\n/);
    const url = server.match[1];
    const w = await worker(redis.url, url, 'patient', ['--slots', '2', '--lease-ms', '2000']);
    try {
      await datasetWith(url, 60);
      await until(async () => (await batches(redis.url)).some((t) => t.state === 'succeeded'));
      await stop(server, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 500));
      server = await start(args(port), /loupe listening on (http:\/\/\S+)\n/);
      const task = await embedTaskDone(url, 150_000);
      expect(task.state).toBe('succeeded');
    } finally {
      await stop(w);
      await stop(server);
      await redis.stop();
    }
    expect(embedded(data)).toBe(60);
  }, 240_000);

  it('Redis restarted (AOF) during a run: nothing is lost', async () => {
    const redis = await startRedis({ appendonly: true });
    const data = join(dir, 'restart');
    const server = await serveWithBroker(data, redis.url);
    const w = await worker(redis.url, server.url, 'steady', ['--slots', '2', '--lease-ms', '4000']);
    try {
      await datasetWith(server.url, 60);
      await until(async () => (await batches(redis.url)).some((t) => t.state === 'succeeded'));
      await redis.restart();
      const task = await embedTaskDone(server.url, 150_000);
      expect(task.state).toBe('succeeded');
      expect((await batches(redis.url)).every((t) => t.state === 'succeeded')).toBe(true);
    } finally {
      await stop(w);
      await stop(server);
      await redis.stop();
    }
    expect(embedded(data)).toBe(60);
  }, 240_000);

  it('a worker cut from Redis for longer than its lease stops its tasks and writes no late result', async () => {
    const redis = await startRedis();
    const net1 = await relay(redis.port);
    const data = join(dir, 'cut');
    const server = await serveWithBroker(data, redis.url);
    const cutOff = await worker(`redis://127.0.0.1:${net1.port}`, server.url, 'cut-off', ['--slots', '1', '--lease-ms', '1000']);
    let other;
    try {
      await datasetWith(server.url, 40);
      // The cut must find the worker holding a task. One that ends between the read and the cut
      // leaves nothing to drop (the likeliest reason CI once waited 30 s here for a drop, on a
      // busy machine), so then the network is healed and the cut tried on the worker's next task.
      let held: Awaited<ReturnType<typeof batches>>[number] | undefined;
      let cutAt = 0;
      for (let attempt = 1; held === undefined; attempt++) {
        const seen = await until(async () => (await batches(redis.url)).find((t) => t.state === 'running' && t.workerId === 'cut-off'));
        net1.cut();
        cutAt = Date.now();
        const atCut = (await batches(redis.url)).find((t) => t.id === seen.id);
        if (atCut?.state === 'running' && atCut.workerId === 'cut-off') held = seen;
        else if (attempt === 5) throw new Error('the cut-off worker held no task at any of 5 cuts');
        else net1.heal();
      }
      other = await worker(redis.url, server.url, 'other', ['--slots', '2', '--lease-ms', '4000']);
      await until(async () => /dropped task/.test(cutOff.err()), 30_000);
      await new Promise((r) => setTimeout(r, 1500));
      const healAt = Date.now();
      net1.heal();
      const task = await embedTaskDone(server.url, 150_000);
      expect(task.state).toBe('succeeded');
      const all = await batches(redis.url);
      // Every result the cut-off worker stored was stored before the cut, or is of an attempt it
      // claimed after the network came back: none of an attempt it began before the cut lands late.
      for (const t of all.filter((x) => x.workerId === 'cut-off')) {
        if ((t.finishedAt ?? 0) >= cutAt + 50) expect(t.startedAt ?? 0).toBeGreaterThanOrEqual(healAt - 50);
      }
      expect(all.find((t) => t.id === held.id)!.state).toBe('succeeded');
    } finally {
      if (other) await stop(other);
      await stop(cutOff, 'SIGKILL');
      await stop(server);
      net1.close();
      await redis.stop();
    }
    expect(embedded(data)).toBe(40);
  }, 240_000);

  it('a malformed task is refused by the worker, and a result from an unregistered runner is refused by the server; both logged', async () => {
    const redis = await startRedis();
    const data = join(dir, 'rogue');
    const server = await serveWithBroker(data, redis.url);
    // A producer with a looser schema than the worker's puts a malformed task on the broker.
    const loose = new RedisTaskQueue(redis.url, { name: 'loupe', consume: false });
    loose.define('embed-batch', { input: z.any(), handler: () => null });
    const bad = await loose.enqueue('embed-batch', { backbone: 'x', hashes: 'not a list' });
    const w = await worker(redis.url, server.url, 'strict', ['--slots', '1']);
    try {
      const refused = await until(async () => {
        const t = await loose.get(bad.id);
        return t && t.state === 'dead' ? t : null;
      });
      expect(refused.error).toMatchObject({ code: 'invalid_input' });
      expect(refused.error!.message).toMatch(/hashes/);
      await until(async () => /refused task/.test(w.err()));
      await stop(w);

      // A rogue runner (not a registered worker) takes the server's task and answers it.
      const rogue = new RedisTaskQueue(redis.url, { name: 'loupe', workerId: 'rogue', workerInfo: { role: 'rogue' } });
      rogue.define('embed-batch', {
        input: z.any(),
        handler: (input: { hashes: string[] }) => ({ backbone: 'x', dim: 1, items: input.hashes.map((hash) => ({ hash, vector: 'AAAAAA==' })) }),
      });
      rogue.start();
      await datasetWith(server.url, 4);
      const task = await embedTaskDone(server.url);
      expect(task.result.embedded).toBe(0);
      expect(task.result.failed).toHaveLength(4);
      await until(async () => /refused the result of task \d+ from an unknown worker "rogue"/.test(server.err()));
      await rogue.close();
    } finally {
      await stop(w);
      await loose.close();
      await stop(server);
      await redis.stop();
    }
    expect(embedded(data)).toBe(0);
  }, 180_000);
});
