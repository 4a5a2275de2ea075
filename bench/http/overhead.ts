/**
 * The framework's own cost per request, in-process: the bench servers' handlers (Loupe's
 * app and the bare node:http handler) are called with the same minimal fake request and
 * response, so node:http's parser, sockets and the kernel (the same for both, and most of
 * the noise in the network benchmark) are left out. Medians of 5 interleaved runs.
 *
 *   npx tsx bench/http/overhead.ts [hello,param,echo,rest]
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App } from '../../src/main/http';
import { BODY_LIMIT, HELLO, RESOURCES } from './servers/shared';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

const BODY = Buffer.from(
  JSON.stringify({
    id: 'a1b2c3',
    name: 'x'.repeat(200),
    tags: Array.from({ length: 20 }, (_, i) => `tag-${i}`),
    nested: { a: 1, b: [1, 2, 3], c: { d: 'e'.repeat(300) } },
    pad: 'p'.repeat(240),
  }),
);

let finished: (() => void) | null = null;

/** Just what a handler that answers with writeHead/end (or setHeader) touches. */
class FakeRes extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  shouldKeepAlive = true;
  private readonly h: Record<string, unknown> = {};
  writeHead(status: number): this {
    this.statusCode = status;
    this.headersSent = true;
    return this;
  }
  setHeader(k: string, v: unknown): this {
    this.h[k] = v;
    return this;
  }
  appendHeader(k: string, v: unknown): this {
    this.h[k] = v;
    return this;
  }
  getHeader(k: string): unknown {
    return this.h[k];
  }
  hasHeader(k: string): boolean {
    return k in this.h;
  }
  removeHeader(k: string): void {
    delete this.h[k];
  }
  getHeaderNames(): string[] {
    return Object.keys(this.h);
  }
  end(): this {
    this.writableEnded = this.headersSent = true;
    const f = finished;
    finished = null;
    f?.();
    return this;
  }
  destroy(): void {}
}

class FakeReq extends EventEmitter {
  readableEnded = false;
  readonly socket = { remoteAddress: '127.0.0.1' };
  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: Record<string, string>,
  ) {
    super();
  }
  pause(): void {}
  unpipe(): void {}
  resume(): void {}
}

// The bare handler of servers/node.ts, over the same fakes.
const resources = new Set(RESOURCES);
function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
const bare: Listener = (req, res) => {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (req.method === 'GET') {
    if (path === '/hello') return json(res, 200, HELLO);
    const parts = path.split('/');
    if (parts[1] === 'users' && parts.length === 3) return json(res, 200, { id: parts[2] });
    if (resources.has(parts[1]) && parts.length === 5 && parts[3] === 'sub') return json(res, 200, { id: parts[2], subId: parts[4] });
  } else if (req.method === 'POST' && path === '/echo') {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= BODY_LIMIT) chunks.push(c);
    });
    req.on('end', () => {
      try {
        json(res, 200, JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        json(res, 400, { error: 'bad json' });
      }
    });
    return;
  }
  json(res, 404, { error: 'not found' });
};

// Loupe's app of servers/loupe.ts.
const app = new App({ bodyLimit: BODY_LIMIT, onError: () => undefined });
app.get('/hello', () => HELLO);
app.get('/users/:id', (ctx) => ({ id: ctx.params.id }));
app.post('/echo', (ctx) => ctx.json());
for (const r of RESOURCES) {
  app.get(`/${r}`, () => ({ items: [] }));
  app.get(`/${r}/search`, () => ({ items: [] }));
  app.get(`/${r}/:id`, (ctx) => ({ id: ctx.params.id }));
  app.get(`/${r}/:id/sub`, (ctx) => ({ id: ctx.params.id, items: [] }));
  app.get(`/${r}/:id/sub/:subId`, (ctx) => ({ id: ctx.params.id, subId: ctx.params.subId }));
}
app.compile();

const CASES: Record<string, () => FakeReq> = {
  hello: () => new FakeReq('GET', '/hello', { host: 'x' }),
  param: () => new FakeReq('GET', '/users/12345', { host: 'x' }),
  echo: () => new FakeReq('POST', '/echo', { host: 'x', 'content-type': 'application/json', 'content-length': String(BODY.length) }),
  rest: () => new FakeReq('GET', '/r19/12345/sub/678', { host: 'x' }),
};

async function one(handler: Listener, make: () => FakeReq): Promise<void> {
  const req = make();
  const done = new Promise<void>((resolve) => (finished = resolve));
  handler(req as unknown as IncomingMessage, new FakeRes() as unknown as ServerResponse);
  if (req.method === 'POST') {
    req.emit('data', BODY);
    req.readableEnded = true;
    req.emit('end');
  }
  await done;
}

async function nsPerRequest(handler: Listener, make: () => FakeReq, n: number): Promise<number> {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await one(handler, make);
  return Number(process.hrtime.bigint() - t) / n;
}

const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const names = (process.argv[2] ?? 'hello,param,echo,rest').split(',');
for (const c of names) {
  await nsPerRequest(bare, CASES[c], 50_000);
  await nsPerRequest(app.handle, CASES[c], 50_000);
}
console.log('| case | bare handler ns | Loupe ns | Loupe − bare ns |\n|---|---:|---:|---:|');
for (const c of names) {
  const b: number[] = [];
  const l: number[] = [];
  for (let r = 0; r < 5; r++) {
    b.push(await nsPerRequest(bare, CASES[c], 200_000));
    l.push(await nsPerRequest(app.handle, CASES[c], 200_000));
  }
  console.log(`| ${c} | ${mid(b).toFixed(0)} | ${mid(l).toFixed(0)} | ${(mid(l) - mid(b)).toFixed(0)} |`);
}
