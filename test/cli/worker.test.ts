import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, multipart } from '../api/client';
import { RedisTaskQueue } from '../../src/main/queue';
import { kindPictures, waitFor } from '../services/vision-pictures';
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
  it("a worker registers, embeds the server's pictures fetched by hash, and the server stores the vectors", async () => {
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
      // Times are ISO 8601 strings, as everywhere in the API (tasks' createdAt…), and recent.
      const [listed0] = workers.json.items as { startedAt: string; lastHeartbeat: string }[];
      for (const t of [listed0.startedAt, listed0.lastHeartbeat]) {
        expect(t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(Math.abs(Date.now() - Date.parse(t))).toBeLessThan(120_000);
      }

      // The OpenAPI document says so too.
      const doc = (await call(server.url, 'GET', '/v1/openapi.json', { token: TOKEN })).json;
      const answer = JSON.stringify(doc.paths['/v1/workers'].get.responses['200']);
      expect(answer).toMatch(/"lastHeartbeat":\{"type":"string"/);
      expect(answer).toMatch(/"startedAt":\{"type":"string"/);

      // The Tasks page's view of the same, over the contract.
      const listed = await ipc(server.url, 'workers.list', {});
      expect(listed).toMatchObject({
        ok: true,
        value: { broker: { kind: 'redis' }, items: [{ name: 'gpu-box-1', provider: 'cpu', slots: 2, state: 'alive' }] },
      });

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

  it('training and predicting library pictures embed on the worker, not on the server', async () => {
    const data = join(dir, 'predict');
    const server = await serveWithBroker(data, redis.url);
    const w = await worker(redis.url, server.url, 'gpu-box-2', ['--slots', '2']);
    const broker = new RedisTaskQueue(redis.url, { name: 'loupe' });
    const embedTasks = async () => (await broker.list({ kind: 'embed-batch', limit: 1000 })).items;
    try {
      const send = (method: string, path: string, body: unknown) =>
        call(server.url, method, path, { token: TOKEN, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const id = (await send('POST', '/v1/datasets', { name: 'colours' })).json.id as string;
      const uploaded: string[] = [];
      for (const label of ['red', 'blue'] as const) {
        const form = multipart(
          (await kindPictures(label, 8, 1)).map((bytes, i) => ({ name: `${label}-${i}.png`, bytes })),
          { label },
        );
        const up = await call(server.url, 'POST', `/v1/datasets/${id}/images`, {
          token: TOKEN,
          headers: { 'content-type': form.contentType },
          body: form.body,
        });
        expect(up.status).toBe(201);
        uploaded.push(...(up.json.items as { hash: string }[]).map((x) => x.hash));
      }
      await embedTaskDone(server.url);
      const start = await send('POST', `/v1/datasets/${id}/train`, {});
      expect(start.status, start.text).toBe(202);
      const run = await waitFor(
        async () => {
          const r = (await call(server.url, 'GET', `/v1/runs/${start.json.runId}`, { token: TOKEN })).json;
          return r.status === 'queued' || r.status === 'running' ? undefined : r;
        },
        'run',
        120_000,
      );
      expect(run.status).toBe('succeeded');

      // Predicting a library picture by id: its embedding is a broker task that the worker ran.
      const image = (await call(server.url, 'GET', `/v1/datasets/${id}/images?label=red&limit=1`, { token: TOKEN })).json.items[0] as {
        id: string;
        hash: string;
      };
      const before = new Set((await embedTasks()).map((t) => t.id));
      const predicted = await ipc(server.url, 'models.predict', { modelId: run.modelId, inputs: [{ imageId: image.id }], top: 2 });
      expect(predicted).toMatchObject({ ok: true, value: { predictions: [[{ label: 'red' }, { label: 'blue' }]] } });
      const fresh = (await embedTasks()).filter((t) => !before.has(t.id));
      expect(fresh).toEqual([expect.objectContaining({ state: 'succeeded', workerId: 'gpu-box-2', input: expect.objectContaining({ hashes: [image.hash] }) })]);

      // Every embedding the server stored came from the worker: each picture was a broker task.
      const asked = new Set((await embedTasks()).flatMap((t) => (t.input as { hashes: string[] }).hashes));
      expect(uploaded).toHaveLength(16);
      for (const hash of uploaded) expect(asked.has(hash)).toBe(true);
    } finally {
      await broker.close();
      await stop(w, 'SIGKILL');
      await stop(server);
    }
  }, 240_000);
});
