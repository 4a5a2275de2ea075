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
import { CASES as REQUESTS } from './cases';
import { buildLoupeApp } from './servers/loupe-app';
import { bareHandler } from './servers/node-handler';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

const BODY = Buffer.from(REQUESTS.echo.body!);

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

// The bench servers' own handlers, over the same fakes.
const bare = bareHandler as Listener;
const app = buildLoupeApp();
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
