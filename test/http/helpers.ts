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
