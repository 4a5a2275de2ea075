import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { routeSchemas } from '../../src/main/api/contract-routes';
import { procedures, type HttpBinding } from '../../src/shared/contract';
import { call } from './client';

// The REST routes the contract declares (src/shared/contract `http`), over real HTTP against
// a real app: each is in the OpenAPI document where the binding says, and answers what the
// same procedure answers over the dispatcher, since both run the one handler.

let dir: string;
let app: LoupeApp;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-contract-routes-'));
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false } });
  base = (await app.listen({ port: 0 })).url;
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const bound = Object.entries(procedures).flatMap(([name, def]) =>
  (def as { http?: HttpBinding }).http ? [{ name, http: (def as { http: HttpBinding }).http }] : [],
);
const send = (method: string, path: string, body?: unknown) =>
  call(base, method, path, {
    token: app.token,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });

describe('REST routes mounted from the contract', () => {
  it('puts every bound procedure in the OpenAPI document at its method, path and status', async () => {
    expect(bound.length).toBeGreaterThanOrEqual(25);
    const doc = (await send('GET', '/v1/openapi.json')).json as {
      paths: Record<string, Record<string, { summary: string; responses: Record<string, unknown> }>>;
    };
    for (const { name, http } of bound) {
      const path = '/v1' + http.path.replace(/:([A-Za-z_]\w*)/g, '{$1}');
      const op = doc.paths[path]?.[http.method.toLowerCase()];
      expect(op, `${name}: ${http.method} ${path}`).toBeDefined();
      expect(op.summary).toBe(http.summary);
      expect(Object.keys(op.responses)).toContain(String(http.status ?? 200));
    }
  });

  it('answers over REST what the dispatcher answers, through the same handler', async () => {
    const made = await send('POST', '/v1/datasets', { name: '  Birds ' });
    expect(made.status).toBe(201);
    expect(made.json.name).toBe('Birds');
    const id = made.json.id as string;
    const label = await send('POST', `/v1/datasets/${id}/labels`, { name: 'owl' });
    expect(label.status).toBe(201);
    const rest = await send('GET', `/v1/datasets/${id}`);
    const ipc = await app.dispatcher.call('datasets.get', { id });
    expect(ipc).toEqual({ ok: true, value: rest.json });
    expect(rest.json.labels).toEqual([expect.objectContaining({ name: 'owl', count: 0 })]);
    // A query number is read from text, with the procedure's bounds and default.
    expect((await send('GET', `/v1/datasets/${id}/history?limit=2`)).json.items.length).toBeLessThanOrEqual(2);
    const tooMany = await send('GET', `/v1/datasets/${id}/history?limit=501`);
    expect([tooMany.status, tooMany.json.error.code]).toEqual([422, 'validation']);
    // The path parameter maps onto the input field it names (id → datasetId), and 204 sends nothing.
    expect((await send('DELETE', `/v1/datasets/${id}/labels/owl`)).json.updated).toBe(0);
    const gone = await send('DELETE', `/v1/datasets/${id}`);
    expect([gone.status, gone.body.length]).toEqual([204, 0]);
    expect((await send('DELETE', `/v1/datasets/${id}`)).status).toBe(404);
    expect(await app.dispatcher.call('datasets.delete', { id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('refuses, when the app starts, a binding whose path parameter names no input field', () => {
    const input = z.object({ datasetId: z.string() }).strict();
    expect(() => routeSchemas('x.y', input, { method: 'GET', path: '/things/:id', summary: 's', tags: [] })).toThrow(/:id names no input field "id"/);
    expect(
      routeSchemas('x.y', input, { method: 'GET', path: '/things/:id', params: { id: 'datasetId' }, summary: 's', tags: [] }).schema.query,
    ).toBeUndefined();
  });
});
