import { request } from 'node:http';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { lifecycle, rawRequest } from './helpers';

const L = lifecycle();
afterEach(() => L.closeAll());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('handler timeout and client abort', () => {
  it('answers 503 when a handler overruns and aborts ctx.signal', async () => {
    let aborted: boolean | null = null;
    const { url } = await L.up(
      (app) => {
        app.get('/slow', async (ctx) => {
          await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
          aborted = ctx.signal.aborted;
          ctx.sendJson({ late: true }); // ignored: the 503 already went out
        });
        app.get('/quick', () => ({ ok: true }));
        app.get('/own', { timeoutMs: 0 }, async () => {
          await sleep(400);
          return { patient: true };
        });
      },
      { handlerTimeoutMs: 150 },
    );
    const r = await fetch(`${url}/slow`);
    expect(r.status).toBe(503);
    expect((await r.json()).error.code).toBe('timeout');
    expect(r.headers.get('retry-after')).toBe('1');
    await sleep(20);
    expect(aborted).toBe(true);
    expect(await (await fetch(`${url}/quick`)).json()).toEqual({ ok: true });
    expect(await (await fetch(`${url}/own`)).json()).toEqual({ patient: true });
  });

  it('aborts ctx.signal when the client goes away', async () => {
    let seen: (v: boolean) => void = () => undefined;
    const saw = new Promise<boolean>((r) => (seen = r));
    const { port } = await L.up((app) => {
      app.get('/wait', async (ctx) => {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        seen(ctx.signal.aborted);
      });
    });
    const req = request({ port, host: '127.0.0.1', path: '/wait' });
    req.on('error', () => undefined);
    req.end();
    await sleep(150);
    req.destroy();
    expect(await saw).toBe(true);
  });
});

describe('graceful close', () => {
  it('finishes in-flight requests, answers late ones 503 + Connection: close, refuses new connections', async () => {
    const s = await L.up((app) => {
      app.get('/slow', async () => {
        await sleep(300);
        return { done: true };
      });
      app.get('/fast', () => ({ fast: true }));
    });
    // An idle keep-alive socket: it must be closed at once.
    const idle = connect(s.port, '127.0.0.1');
    const idleClosed = new Promise<void>((r) => idle.once('close', () => r()));
    idle.on('error', () => undefined);
    idle.resume();
    idle.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(100);
    // A busy socket with a pipelined request behind the slow one.
    const busy = connect(s.port, '127.0.0.1');
    let out = '';
    busy.on('data', (d) => (out += d.toString()));
    busy.on('error', () => undefined);
    const busyClosed = new Promise<void>((r) => busy.once('close', () => r()));
    busy.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(50);
    const closing = s.app.close({ timeoutMs: 5000 });
    busy.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    await idleClosed;
    await expect(fetch(`${s.url}/fast`)).rejects.toThrow();
    await closing;
    await busyClosed;
    expect(out).toContain('{"done":true}');
    const second = out.slice(out.indexOf('{"done":true}'));
    expect(second).toMatch(/HTTP\/1\.1 503/);
    expect(second.toLowerCase()).toContain('connection: close');
    expect(second).toContain('shutting_down');
  });

  it('force-closes requests that outlive the deadline', async () => {
    const s = await L.up((app) => {
      app.get('/never', { timeoutMs: 0 }, () => new Promise(() => undefined));
    });
    const pending = fetch(`${s.url}/never`).then(
      () => 'answered',
      () => 'cut',
    );
    await sleep(100);
    const t0 = Date.now();
    await s.app.close({ timeoutMs: 300 });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await pending).toBe('cut');
  });
});

describe('connection timeouts', () => {
  it('cuts off a slowloris client that trickles headers, and one that trickles its body', async () => {
    const { port } = await L.up(
      (app) => {
        app.post('/upload', async (ctx) => ({ size: (await ctx.raw()).length }));
      },
      { headersTimeoutMs: 400, requestTimeoutMs: 800, connectionsCheckingIntervalMs: 50 },
    );
    const trickle = (head: string, body: string) =>
      new Promise<{ closed: boolean; answer: string; ms: number }>((resolve) => {
        const t0 = Date.now();
        const sock = connect(port, '127.0.0.1');
        let answer = '';
        let i = 0;
        const data = head + body;
        sock.on('data', (d) => (answer += d.toString()));
        sock.on('error', () => undefined);
        const timer = setInterval(() => {
          if (i < data.length && !sock.destroyed) sock.write(data[i++]);
        }, 50);
        const give = setTimeout(() => {
          clearInterval(timer);
          sock.destroy();
          resolve({ closed: false, answer, ms: Date.now() - t0 });
        }, 8000);
        sock.once('close', () => {
          clearInterval(timer);
          clearTimeout(give);
          resolve({ closed: true, answer, ms: Date.now() - t0 });
        });
      });
    const headers = await trickle('GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ' + 'a'.repeat(200) + '\r\n\r\n', '');
    expect(headers.closed).toBe(true);
    expect(headers.answer === '' || /^HTTP\/1\.1 408/.test(headers.answer)).toBe(true);
    const body = await trickle('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 300\r\n\r\n', 'b'.repeat(300));
    expect(body.closed).toBe(true);
    expect(body.answer).not.toContain('"size"');
  });

  it('answers oversized headers with 431 JSON', async () => {
    const { port } = await L.up((app) => app.get('/', () => ({})), { maxHeaderSize: 2048 });
    const raw = await rawRequest(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(5000)}\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 431/);
    expect(raw).toContain('"headers_too_large"');
  });
});

describe('streams and server-sent events', () => {
  it('streams a Readable and sends SSE events', async () => {
    const { url } = await L.up((app) => {
      app.get('/stream', (ctx) => ctx.stream(Readable.from(['a', 'b', 'c']), 'text/plain'));
      app.get('/sse', (ctx) => {
        const sse = ctx.sse({ keepAliveMs: 0 });
        sse.send({ n: 1 }, { event: 'tick', id: '1' });
        sse.send('two\nlines');
        sse.close();
      });
    });
    expect(await (await fetch(`${url}/stream`)).text()).toBe('abc');
    const r = await fetch(`${url}/sse`);
    expect(r.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(await r.text()).toBe('id: 1\nevent: tick\ndata: {"n":1}\n\ndata: two\ndata: lines\n\n');
  });
});

describe('restart', () => {
  it('can listen again after close (an API switched off and on)', async () => {
    const { App } = await import('../../src/main/http');
    const app = new App({ onError: () => undefined });
    app.get('/ping', () => ({ pong: true }));
    app.ws('/ws', (socket) => socket.send('hi'));
    const a = await app.listen();
    expect(await (await fetch(`${a.url}/ping`)).json()).toEqual({ pong: true });
    await app.close();
    await expect(fetch(`${a.url}/ping`)).rejects.toThrow();
    const b = await app.listen();
    expect(await (await fetch(`${b.url}/ping`)).json()).toEqual({ pong: true });
    const { WebSocket } = await import('ws');
    const msg = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(`${b.url.replace('http', 'ws')}/ws`);
      ws.once('message', (d) => {
        resolve(d.toString());
        ws.close();
      });
      ws.once('error', reject);
    });
    expect(msg).toBe('hi');
    await app.close();
  });
});
