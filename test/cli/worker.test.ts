import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../api/client';
import { type RedisHandle, startRedis } from '../queue/redis-server';
import { TOKEN, datasetWith, embedTaskDone, ensureBuilt, serveWithBroker, stop, worker } from './cluster';

/** One call of the typed contract over /ipc, as the UI makes it. */
function ipc(url: string, method: string, params: unknown): Promise<{ ok: boolean; value?: unknown }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ipc`, { headers: { authorization: `Bearer ${TOKEN}` } });
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ id: 1, method, params })));
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { id?: number; ok: boolean; value?: unknown };
      if (frame.id !== 1) return;
      ws.close();
      resolve(frame);
    });
  });
}

let dir: string;
let redis: RedisHandle;

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'loupe-cluster-'));
  redis = await startRedis();
}, 180_000);
afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('loupe serve --broker and loupe worker', () => {
  it('a worker registers, embeds the server\'s pictures fetched by hash, and the server stores the vectors', async () => {
    const data = join(dir, 'e2e');
    const server = await serveWithBroker(data, redis.url);
    const w = await worker(redis.url, server.url, 'gpu-box-1', ['--slots', '2']);
    try {
      expect((await call(server.url, 'GET', '/v1/health')).json).toMatchObject({ status: 'ok', broker: 'redis' });
      const { hashes } = await datasetWith(server.url, 20);
      const task = await embedTaskDone(server.url);
      expect(task).toMatchObject({ state: 'succeeded', result: { failed: [] } });

      const workers = await call(server.url, 'GET', '/v1/workers', { token: TOKEN });
      expect(workers.json.broker).toMatchObject({ kind: 'redis' });
      expect(workers.json.items).toEqual([expect.objectContaining({ name: 'gpu-box-1', provider: 'cpu', slots: 2, state: 'alive' })]);

      // The Tasks page's view of the same, over the contract.
      const listed = await ipc(server.url, 'workers.list', {});
      expect(listed).toMatchObject({ ok: true, value: { broker: { kind: 'redis' }, items: [{ name: 'gpu-box-1', provider: 'cpu', slots: 2, state: 'alive' }] } });

      // The blob route: token-protected, streamed, the bytes hash to their name.
      const blob = await call(server.url, 'GET', `/v1/blobs/${hashes[0]}`, { token: TOKEN });
      expect(blob.status).toBe(200);
      expect(createHash('sha256').update(blob.body).digest('hex')).toBe(hashes[0]);
      expect((await call(server.url, 'GET', `/v1/blobs/${hashes[0]}`)).status).toBe(401);
      expect((await call(server.url, 'GET', `/v1/blobs/${'0'.repeat(64)}`, { token: TOKEN })).status).toBe(404);
      expect((await call(server.url, 'GET', '/v1/blobs/not-a-hash', { token: TOKEN })).status).toBe(422);

      // SIGTERM drains and leaves.
      expect(await stop(w)).toBe(0);
    } finally {
      await stop(w, 'SIGKILL');
      expect(await stop(server)).toBe(0);
    }
    const db = new Database(join(data, 'loupe.db'), { readonly: true });
    try {
      expect((db.prepare('SELECT count(DISTINCT hash) AS n FROM embeddings').get() as { n: number }).n).toBe(20);
    } finally {
      db.close();
    }
  }, 180_000);
});
