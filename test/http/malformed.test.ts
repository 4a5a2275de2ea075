import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Sends well over 10,000 generated malformed requests over raw sockets to a server in a
 * child process: broken request lines, huge headers, bad Content-Length, invalid and
 * poisoned JSON, bodies over the limit, wrong content types, truncated multipart, bad
 * chunking, bad paths, bad upgrades, and slow senders. Every answer must be a 4xx JSON
 * error or a closed socket; the process must stay up; memory must come back to baseline.
 */

let child: ChildProcess;
let port = 0;
let stderr = '';

beforeAll(async () => {
  child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(__dirname, 'fixtures', 'fuzz-server.ts')], {
    cwd: join(__dirname, 'fixtures'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /ready (\d+)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`fuzz server exited early (${code}): ${stderr}`)));
  });
}, 60_000);

afterAll(() => {
  child?.kill('SIGKILL');
});

/** Small deterministic PRNG so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    bytes: (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256))),
  };
}

type Gen = (r: ReturnType<typeof rng>) => Buffer | string;
const H = 'Host: 127.0.0.1\r\n';

function post(path: string, type: string | null, body: string | Buffer, extra = ''): Buffer {
  const head = `POST ${path} HTTP/1.1\r\n${H}${type ? `Content-Type: ${type}\r\n` : ''}Content-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.isBuffer(body) ? body : Buffer.from(body)]);
}

function multipart(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += `--B\r\nContent-Disposition: form-data; name="f${i}"; filename="f${i}.bin"\r\n\r\n${'x'.repeat(50)}\r\n`;
  return `${s}--B--\r\n`;
}

const BROKEN_JSON = ['{', '{"a":', '[1,2', '{"a" 1}', 'nul', '{"a":1}}', "{'a':1}", '\u0000', '{"a":"\\x"}', '{"a":01}', 'NaN', '{,}', '"unterminated'];

const GENERATORS: Record<string, Gen> = {
  brokenRequestLine: (r) =>
    r.pick([
      () =>
        `${r
          .bytes(5 + r.int(60))
          .toString('latin1')
          .replace(/\r\n/g, '')}\r\n\r\n`,
      () => `GET\r\n${H}\r\n`,
      () => `GET / HTTP/9.${r.int(10)}\r\n${H}\r\n`,
      () => `G@T / HTTP/1.1\r\n${H}\r\n`,
      () => `GET /a b c HTTP/1.1\r\n${H}\r\n`,
      () => `GET / HTTP/1.1 extra\r\n${H}\r\n`,
      () => ` GET / HTTP/1.1\r\n${H}\r\n`,
      () => `GET / HTTP/1.1\r\nBad Header Line\r\n\r\n`,
      () => `GET / HTTP/1.1\r\n${H}X-A: \u0001\u0002\r\n\r\n`,
      () => `GET * HTTP/1.1\r\n${H}\r\n`,
      () => `GET /x\u0000y HTTP/1.1\r\n${H}\r\n`,
    ])(),
  hugeHeaders: (r) => `GET /users/1 HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(9000 + r.int(20000))}\r\n\r\n`,
  manyHugeHeaders: (r) => `GET /users/1 HTTP/1.1\r\n${H}${Array.from({ length: 40 + r.int(40) }, (_, i) => `X-H${i}: ${'b'.repeat(300)}\r\n`).join('')}\r\n`,
  badContentLength: (r) =>
    r.pick([
      () => `POST /json HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: -${1 + r.int(100)}\r\n\r\n{}`,
      () => `POST /json HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: abc\r\n\r\n{}`,
      () => `POST /json HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 1e3\r\n\r\n{}`,
      () => `POST /json HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 99999999999999999999999\r\n\r\n{}`,
      () => `POST /json HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
      () => `POST /json HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}`,
      () => `POST /json HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: ${100 + r.int(1000)}\r\n\r\n{"a":1}`,
    ])(),
  invalidJson: (r) => post('/json', 'application/json', r.pick(BROKEN_JSON) + (r.next() < 0.3 ? r.bytes(r.int(30)).toString('latin1') : '')),
  poisonedJson: (r) =>
    post('/json', 'application/json', r.pick(['{"__proto__":{"x":1}}', '{"a":{"constructor":{"prototype":{}}}}', '[{"\\u005f_proto__":1}]'])),
  overLimit: (r) =>
    r.pick([
      () => post('/json', 'application/json', `{"a":"${'x'.repeat(4100 + r.int(4000))}"}`),
      () => `POST /json HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: ${5_000_000 + r.int(1e6)}\r\n\r\n{"a":`,
      () =>
        `POST /json HTTP/1.1\r\n${H}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${`1000\r\n${'x'.repeat(4096)}\r\n`.repeat(2)}0\r\n\r\n`,
    ])(),
  wrongContentType: (r) =>
    post(
      '/json',
      r.pick(['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'image/png', 'multipart/form-data', 'applicationjson', '']),
      '{"a":1}',
    ),
  truncatedMultipart: (r) => {
    const full = multipart(1 + r.int(3));
    const cut = full.slice(0, 10 + r.int(full.length - 20));
    return post('/upload', 'multipart/form-data; boundary=B', cut);
  },
  badMultipart: (r) =>
    r.pick([
      () => post('/upload', 'multipart/form-data', multipart(1)),
      () => post('/upload', 'multipart/form-data; boundary=B', `--B\r\nContent-Disposition: form-data; name="__proto__"\r\n\r\nx\r\n--B--\r\n`),
      () =>
        post(
          '/upload',
          'multipart/form-data; boundary=B',
          `--B\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n\r\n${'y'.repeat(3000)}\r\n--B--\r\n`,
        ),
      () => post('/upload', 'multipart/form-data; boundary=B', multipart(6)),
      () => post('/upload', 'multipart/form-data; boundary=B', r.bytes(200)),
    ])(),
  badChunked: (r) =>
    `POST /json HTTP/1.1\r\n${H}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${r.pick(['zz\r\n{}\r\n0\r\n\r\n', '2\r\n{}XX0\r\n\r\n', '-1\r\n\r\n', `ffffffffffffffffffff\r\n{}\r\n`, '2;' + 'e'.repeat(20000) + '\r\n{}\r\n0\r\n\r\n'])}`,
  badPath: (r) =>
    `GET ${r.pick(['/%zz', '/users/%', '/users/%E0%A4%A', '/users/abc', '/users/1/x', '/nope', '/static/../../etc/passwd', '/static/%2e%2e/%2e%2e/etc/passwd', '/static/%252e%252e/x', '/static/a%00b', '/%c0%ae%c0%ae/', 'http://evil.example/x'])} HTTP/1.1\r\n${H}\r\n`,
  wrongMethodOrAuth: (r) =>
    r.pick([
      `DELETE /users/1 HTTP/1.1\r\n${H}\r\n`,
      `GET /private/data HTTP/1.1\r\n${H}\r\n`,
      `GET /private/data HTTP/1.1\r\n${H}Authorization: Bearer wrong\r\n\r\n`,
      `GET /private/data HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer secret-token\r\n\r\n`,
      `GET /private/data HTTP/1.1\r\n${H}Authorization: Basic ${'A'.repeat(r.int(100))}\r\n\r\n`,
    ]),
  badUpgrade: (r) =>
    r.pick([
      `GET /private/ws HTTP/1.1\r\n${H}Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n`,
      `GET /private/ws?token=secret-token HTTP/1.1\r\n${H}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      `GET /private/ws?token=secret-token HTTP/1.1\r\n${H}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\n\r\n`,
      `GET /nope HTTP/1.1\r\n${H}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    ]),
};

interface Outcome {
  kind: string;
  status: number | null;
  body: string;
}

/** Sends one request, half-closes, and reads the first answer (or notes a closed socket). */
function exchange(kind: string, data: Buffer | string, waitMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const sep = text.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, sep));
      const body = sep === -1 ? '' : len ? text.slice(sep + 4, sep + 4 + Number(len[1])) : text.slice(sep + 4);
      resolve({ kind, status: m ? Number(m[1]) : null, body });
    };
    const timer = setTimeout(finish, waitMs);
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      const text = Buffer.concat(chunks).toString('latin1');
      const sep = text.indexOf('\r\n\r\n');
      const len = sep === -1 ? null : /\r\ncontent-length: (\d+)/i.exec(text.slice(0, sep));
      if (len && text.length >= sep + 4 + Number(len[1])) finish();
    });
    sock.on('error', finish);
    sock.on('close', finish);
    sock.write(data, () => sock.end());
  });
}

/** Trickles bytes: the server must cut it off with its header/request timeouts. */
function slowSender(waitMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let out = '';
    const data = `POST /json HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 400\r\n\r\n${'{'.repeat(400)}`;
    let i = 0;
    const tick = setInterval(() => {
      if (!sock.destroyed && i < data.length) sock.write(data.slice(i, (i += 3)));
    }, 40);
    const finish = (cut: boolean) => {
      clearInterval(tick);
      clearTimeout(timer);
      sock.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(out);
      resolve({ kind: cut ? 'slowSender' : 'slowSender-not-cut', status: m ? Number(m[1]) : null, body: out.slice(out.indexOf('\r\n\r\n') + 4) });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    sock.on('data', (d) => (out += d.toString('latin1')));
    sock.on('error', () => finish(true));
    sock.on('close', () => finish(true));
  });
}

async function mem(): Promise<{ heapUsed: number; external: number; arrayBuffers: number; rss: number }> {
  return (await fetch(`http://127.0.0.1:${port}/__mem`)).json() as never;
}

describe('malformed input', () => {
  it('survives 10,000+ malformed requests: only 4xx JSON errors or closed sockets, memory back to baseline', async () => {
    // Warm up the paths so the baseline includes compiled code and pools.
    for (let i = 0; i < 200; i++) await exchange('warm', GENERATORS.invalidJson(rng(i)), 2000);
    const base = await mem();

    const kinds = Object.keys(GENERATORS);
    const total = 10_400;
    const r = rng(20261125);
    const outcomes: Outcome[] = [];
    const started = Date.now();
    const slow = Array.from({ length: 30 }, () => slowSender(8000));
    let next = 0;
    const worker = async () => {
      while (next < total && Date.now() - started < 60_000) {
        const i = next++;
        const kind = kinds[i % kinds.length];
        outcomes.push(await exchange(kind, GENERATORS[kind](r), 4000));
      }
    };
    await Promise.all(Array.from({ length: 40 }, worker));
    outcomes.push(...(await Promise.all(slow)));

    expect(child.exitCode).toBeNull();
    expect(outcomes.length).toBeGreaterThanOrEqual(10_000);
    const bad = outcomes.filter((o) => {
      if (o.kind === 'slowSender-not-cut') return true;
      if (o.status === null) return false; // closed without an answer
      if (o.status < 400 || o.status > 499) return true;
      try {
        const j = JSON.parse(o.body);
        return typeof j?.error?.code !== 'string' || typeof j?.error?.message !== 'string';
      } catch {
        return true;
      }
    });
    expect(bad.slice(0, 5)).toEqual([]);
    expect(outcomes.some((o) => o.body.includes(' at ') && o.body.includes('.ts'))).toBe(false);
    const byKind = new Map<string, number>();
    for (const o of outcomes) byKind.set(`${o.kind}:${o.status ?? 'closed'}`, (byKind.get(`${o.kind}:${o.status ?? 'closed'}`) ?? 0) + 1);
    if (process.env.FUZZ_DEBUG) console.log([...byKind].sort().join('\n'), outcomes.length, Date.now() - started);
    // Every kind got through to an answer at least sometimes (the generators do reach the server).
    for (const k of kinds)
      expect(
        [...byKind.keys()].some((x) => x.startsWith(`${k}:4`)),
        k,
      ).toBe(true);

    // The server still answers normally, and its memory is back near where it started.
    expect(await (await fetch(`http://127.0.0.1:${port}/users/42`)).json()).toEqual({ id: '42' });
    await new Promise((res) => setTimeout(res, 500));
    const after = await mem();
    expect(after.heapUsed - base.heapUsed).toBeLessThan(16 * 1024 * 1024);
    expect(after.arrayBuffers - base.arrayBuffers).toBeLessThan(16 * 1024 * 1024);
    expect(stderr).not.toMatch(/handler error|Uncaught|ERR_/);
  }, 150_000);
});
