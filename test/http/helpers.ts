import { connect as netConnect } from 'node:net';
import { App, type AppOptions } from '../../src/main/http';

/** Starts an app on 127.0.0.1:0 and returns its base URL plus a closer. */
export async function start(build: (app: App) => void, opts: AppOptions = {}): Promise<{ app: App; url: string; port: number; close: () => Promise<void> }> {
  const app = new App({ onError: () => undefined, ...opts });
  build(app);
  const { url, port } = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url, port, close: () => app.close({ timeoutMs: 2000 }) };
}

export async function jsonOf(res: Response): Promise<any> {
  const text = await res.text();
  return JSON.parse(text);
}

/** Starts apps and closes them after each test (call `closeAll` in afterEach). */
export function lifecycle() {
  let closers: (() => Promise<void>)[] = [];
  return {
    async up(build: (app: App) => void, opts: AppOptions = {}) {
      const s = await start(build, opts);
      closers.push(s.close);
      return s;
    },
    async closeAll() {
      await Promise.all(closers.map((c) => c()));
      closers = [];
    },
  };
}

/** Sends raw bytes over a socket and collects everything until the server closes or `ms` pass. */
export function rawRequest(port: number, data: string | Buffer, ms = 3000): Promise<string> {
  return new Promise((resolve) => {
    const sock = netConnect(port, '127.0.0.1');
    let out = '';
    const done = () => {
      clearTimeout(t);
      sock.destroy();
      resolve(out);
    };
    const t = setTimeout(done, ms);
    sock.on('data', (d) => (out += d.toString('latin1')));
    sock.on('error', done);
    sock.on('close', done);
    sock.write(data);
  });
}
