import { App, cors, hostAllowList } from '../http/index';
import type { ApiSettingsService } from '../services/settings/index';
import type { VisionService } from '../services/vision/index';
import { loupeErrors } from './errors';
import type { Metrics } from './metrics';
import { lobeRoutes } from './vision-lobe';

/** Lobe's own port: Lobe clients and samples have it written in. */
export const LOBE_CONNECT_PORT = 38100;

const LOOPBACK_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/**
 * Lobe Connect: a second listener, on 127.0.0.1 only, that serves nothing but
 * `POST /predict/:modelId`, without a token, for Lobe clients that cannot send one
 * (Lobe's app needed none). The same Host check as the main API (DNS rebinding); browser
 * pages on this machine (localhost origins) and the allowed origins of Settings may read
 * its answers, so Lobe's browser samples work. Every other path is a 404.
 */
export function createLobeConnectApp(vision: VisionService, deps: { apiSettings: ApiSettingsService; metrics: Metrics; onError: (err: unknown) => void }): App {
  const app = new App({ onError: deps.onError });
  app.use(deps.metrics.middleware());
  app.use(hostAllowList({ hosts: 'loopback' }));
  app.use(
    cors({
      origins: (origin) => LOOPBACK_ORIGIN.test(origin) || deps.apiSettings.allowedOrigins.includes(origin),
      methods: ['POST'],
      allowHeaders: ['content-type'],
    }),
  );
  app.use(loupeErrors());
  lobeRoutes(app, vision);
  return app;
}

/** Starts and stops the Lobe Connect listener as Settings says, and reports its state back. */
export class LobeConnect {
  private running = false;
  private closed = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly app: App,
    private readonly opts: { apiSettings: ApiSettingsService; port: number; log: (message: string, err?: unknown) => void },
  ) {}

  /** Follows the setting; changes are applied one after another. */
  sync(): Promise<void> {
    this.chain = this.chain.then(() => (this.opts.apiSettings.lobeConnect && !this.closed ? this.start() : this.stop()));
    return this.chain;
  }

  /** Stops for good (the app is closing), after any change under way. */
  close(): Promise<void> {
    this.closed = true;
    return this.sync();
  }

  private async start(): Promise<void> {
    if (this.running) return;
    try {
      const addr = await this.app.listen({ host: '127.0.0.1', port: this.opts.port });
      this.running = true;
      this.opts.apiSettings.setLobeConnectState({ url: addr.url, error: null });
    } catch (err) {
      const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      const error = inUse
        ? `Port ${this.opts.port} is taken (is Lobe itself running?). Quit the program that holds it, then turn Lobe Connect off and on.`
        : `Lobe Connect could not start: ${(err as Error).message}`;
      this.opts.apiSettings.setLobeConnectState({ url: null, error });
      this.opts.log('Lobe Connect could not start:', err);
    }
  }

  private async stop(): Promise<void> {
    this.opts.apiSettings.setLobeConnectState({ url: null, error: null });
    if (!this.running) return;
    this.running = false;
    await this.app.close({ timeoutMs: 2000 });
  }
}
