import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { bearerAuth, hostAllowList, wsSend } from '../../src/main/http';
import { lifecycle, rawRequest } from './helpers';

const L = lifecycle();
afterEach(() => L.closeAll());

const inbox = new WeakMap<WebSocket, { queue: string[]; waiters: ((m: string) => void)[] }>();

function open(url: string, opts: import('ws').ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    // Messages can arrive in the same tick as 'open'; queue them from the start.
    const box = { queue: [] as string[], waiters: [] as ((m: string) => void)[] };
    inbox.set(ws, box);
    ws.on('message', (d) => {
      const w = box.waiters.shift();
      if (w) w(d.toString());
      else box.queue.push(d.toString());
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`status ${res.statusCode}`), { status: res.statusCode })));
  });
}

function nextMessage(ws: WebSocket): Promise<string> {
  const box = inbox.get(ws)!;
  const queued = box.queue.shift();
  if (queued !== undefined) return Promise.resolve(queued);
  return new Promise((resolve) => box.waiters.push(resolve));
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

const build = (app: import('../../src/main/http').App) => {
  app.use(hostAllowList({ hosts: 'loopback' }));
  app.use(bearerAuth({ token: 'tok' }));
  app.ws(
    '/events/:room',
    (socket, ctx) => {
      void wsSend(socket, JSON.stringify({ hello: ctx.params.room }));
      socket.on('message', (m) => void wsSend(socket, `echo:${m.toString()}`));
    },
    { maxPayload: 1024 },
  );
};

describe('WebSocket routes', () => {
  it('runs the upgrade through middleware, then echoes', async () => {
    const { url } = await L.up(build);
    const wsUrl = url.replace('http', 'ws');
    await expect(open(`${wsUrl}/events/a`)).rejects.toMatchObject({ status: 401 });
    await expect(open(`${wsUrl}/events/a?token=bad`)).rejects.toMatchObject({ status: 401 });
    const ws = await open(`${wsUrl}/events/lobby?token=tok`);
    expect(JSON.parse(await nextMessage(ws))).toEqual({ hello: 'lobby' });
    ws.send('ping');
    expect(await nextMessage(ws)).toBe('echo:ping');
    ws.close();
    const h = await open(`${wsUrl}/events/x`, { headers: { authorization: 'Bearer tok' } });
    expect(JSON.parse(await nextMessage(h))).toEqual({ hello: 'x' });
    h.close();
  });

  it('refuses foreign Host (421), foreign Origin (403), unknown paths (404) and plain GETs (426)', async () => {
    const { url, port } = await L.up(build);
    const wsUrl = url.replace('http', 'ws');
    await expect(open(`${wsUrl}/events/a?token=tok`, { headers: { host: 'evil.example' } })).rejects.toMatchObject({ status: 421 });
    await expect(open(`${wsUrl}/events/a?token=tok`, { origin: 'http://evil.example' })).rejects.toMatchObject({ status: 403 });
    const same = await open(`${wsUrl}/events/a?token=tok`, { origin: `http://127.0.0.1:${port}` });
    same.close();
    await expect(open(`${wsUrl}/nowhere?token=tok`)).rejects.toMatchObject({ status: 404 });
    const r = await fetch(`${url}/events/a`, { headers: { authorization: 'Bearer tok' } });
    expect(r.status).toBe(426);
    expect((await r.json()).error.code).toBe('upgrade_required');
    const raw = await rawRequest(port, 'GET /events/a?token=tok HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain('"bad_request"');
  });

  it('closes a socket that sends more than maxPayload with 1009', async () => {
    const { url } = await L.up(build);
    const ws = await open(`${url.replace('http', 'ws')}/events/a?token=tok`);
    await nextMessage(ws);
    const c = closed(ws);
    ws.send('x'.repeat(4096));
    expect((await c).code).toBe(1009);
  });

  it('says goodbye with 1001 when the app closes', async () => {
    const s = await L.up(build);
    const ws = await open(`${s.url.replace('http', 'ws')}/events/a?token=tok`);
    await nextMessage(ws);
    const c = closed(ws);
    await s.app.close({ timeoutMs: 2000 });
    expect((await c).code).toBe(1001);
  });
});
