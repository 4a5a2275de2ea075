import type { ApiSettings } from '../../../shared/contract/index';
import type { Store } from '../../store/index';
import { fail } from '../errors';
import { newToken, writeTokenFile } from './token-file';

const ENABLED_KEY = 'api.enabled';
const ORIGINS_KEY = 'api.allowedOrigins';
const LOBE_KEY = 'api.lobeConnect';

export type ApiSettingsChange = 'enabled' | 'allowedOrigins' | 'token' | 'lobeConnect';

/**
 * Settings → Local API: whether the API is on, its address, its token, and the browser
 * origins allowed to call it (CORS). The token lives in DATA/token; the rest in the
 * settings table. In the headless shell the API is also the UI's transport, so it cannot
 * be turned off from the UI.
 */
export class ApiSettingsService {
  private currentToken: string;
  private url: string | null = null;
  private lobe: { url: string | null; error: string | null } = { url: null, error: null };
  private pending: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(change: ApiSettingsChange) => void>();

  constructor(
    private readonly store: Store,
    private readonly opts: { dataDir: string; shell: 'electron' | 'headless'; token: string },
  ) {
    this.currentToken = opts.token;
  }

  /** The token every request must carry; read per request, so regeneration applies at once. */
  get token(): string {
    return this.currentToken;
  }

  get enabled(): boolean {
    if (this.opts.shell === 'headless') return true;
    return this.store.settings.get<boolean>(ENABLED_KEY) ?? false;
  }

  get allowedOrigins(): string[] {
    return this.store.settings.get<string[]>(ORIGINS_KEY) ?? [];
  }

  /** Lobe Connect: off unless the person turns it on (it answers without a token). */
  get lobeConnect(): boolean {
    return this.store.settings.get<boolean>(LOBE_KEY) ?? false;
  }

  get(): ApiSettings {
    return {
      enabled: this.enabled,
      url: this.url,
      token: this.currentToken,
      allowedOrigins: this.allowedOrigins,
      lobeConnect: { enabled: this.lobeConnect, ...this.lobe },
    };
  }

  set(change: { enabled?: boolean; allowedOrigins?: string[]; lobeConnect?: boolean }): ApiSettings {
    if (change.enabled === false && this.opts.shell === 'headless') {
      throw fail.conflict('In the headless shell the local API also carries this page, so it stays on. Stop `loupe serve` to turn it off.');
    }
    if (change.allowedOrigins !== undefined) {
      const origins = [...new Set(change.allowedOrigins.map((o) => new URL(o).origin))];
      this.store.settings.set(ORIGINS_KEY, origins);
      this.notify('allowedOrigins');
    }
    if (change.enabled !== undefined && change.enabled !== this.enabled) {
      this.store.settings.set(ENABLED_KEY, change.enabled);
      this.notify('enabled');
    }
    if (change.lobeConnect !== undefined && change.lobeConnect !== this.lobeConnect) {
      this.store.settings.set(LOBE_KEY, change.lobeConnect);
      this.notify('lobeConnect');
    }
    return this.get();
  }

  /** A new random token, stored in DATA/token; the old one stops working immediately. */
  regenerateToken(): ApiSettings {
    const token = newToken();
    writeTokenFile(this.opts.dataDir, token);
    this.currentToken = token;
    this.notify('token');
    return this.get();
  }

  /** Set by whoever runs the server, once it listens (null when it stops). */
  setUrl(url: string | null): void {
    this.url = url;
  }

  /** Whoever applies a change (Lobe Connect starting or stopping) says when it is done. */
  track(work: Promise<unknown>): void {
    this.pending = work.catch(() => undefined);
  }

  /** The settings once the changes under way are applied. */
  async settled(): Promise<ApiSettings> {
    await this.pending;
    return this.get();
  }

  /** Set by whoever runs Lobe Connect: its address while it listens, or why it could not. */
  setLobeConnectState(state: { url: string | null; error: string | null }): void {
    this.lobe = state;
  }

  onChange(listener: (change: ApiSettingsChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(change: ApiSettingsChange): void {
    for (const l of [...this.listeners]) l(change);
  }
}
