import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createApiApp, Metrics, type ApiServerOptions } from './api/index';
import type { App } from './http/index';
import { createDispatcher, createEventBus, createHandlers, type Dispatcher, type EventBus, type Handlers } from './ipc/index';
import { LibraryService } from './services/library/index';
import { ApiSettingsService, loadOrCreateToken } from './services/settings/index';
import { TaskService } from './services/tasks/index';
import { VisionService } from './services/vision/index';
import type { SpawnChild } from './services/child-process';
import { visionHandlers } from './ipc/vision-handlers';
import { queueHandlers } from './ipc/queue-handlers';
import { visionRoutes } from './api/vision-routes';
import { scriptApiRoutes } from './api/scripts';
import { scriptHandlers } from './ipc/scripts-handlers';
import { ScriptService } from './services/scripts/index';
import { openStore, type Store } from './store/index';

export interface AppConfig {
  dataDir: string;
  shell: 'electron' | 'headless';
  /** The API token; default: DATA/token (created on first start). */
  token?: string;
  version?: string;
  /** Headless: answer any Host header (`--allow-remote`). */
  allowRemote?: boolean;
  /** The built renderer to serve at `/` (headless shell). */
  rendererDir?: string | null;
  accessLog?: ApiServerOptions['accessLog'];
  /** Rate limits on the local API (429); default: generous per token, tight for wrong tokens. */
  rateLimit?: ApiServerOptions['rateLimit'];
  /** Desktop shell: the port the local API listens on when Settings turns it on (default 8765; 0: any free one). */
  apiPort?: number;
  /** Where internal errors are logged (never shown to a client). Default: stderr. */
  log?: (message: string, err?: unknown) => void;
  /** Vision: the backbone's folder (default: found beside the app), retrain-while-labelling, its debounce. */
  vision?: { modelsDir?: string; autoTrain?: boolean; debounceMs?: number };
  /**
   * How heavy CPU work's processes (inference, training) start. Default child_process.fork;
   * the Electron shell passes an adapter around utilityProcess.fork.
   */
  spawnChild?: SpawnChild;
  /**
   * Tests only: `unsafeNoCounting` turns the engine's size counting off, so a test can make
   * a script hit V8's own fatal limits and check that only the script's process dies.
   */
  scripts?: { unsafeNoCounting?: boolean };
}

export interface LoupeServices {
  store: Store;
  library: LibraryService;
  apiSettings: ApiSettingsService;
  tasks: TaskService;
  vision: VisionService;
  scripts: ScriptService;
}

export interface LoupeApp {
  readonly dispatcher: Dispatcher;
  readonly bus: EventBus;
  readonly services: LoupeServices;
  /** The HTTP app: the /v1 API, /ipc, /metrics and (headless) the UI. Not listening until `listen()`. */
  readonly http: App;
  /** The current API token (it changes when Settings regenerates it). */
  readonly token: string;
  readonly config: Readonly<AppConfig>;
  /** Starts the HTTP server; the address shows in Settings → Local API. */
  listen(opts?: { host?: string; port?: number }): Promise<{ url: string; host: string; port: number }>;
  /** Stops accepting, lets running work finish or stop, closes the database. Idempotent. */
  close(): Promise<void>;
}

/**
 * Where Loupe keeps its data unless told otherwise: the platform's app-data folder
 * (XDG on Linux). Both shells may use it so the desktop app and `loupe serve` share data.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Loupe');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Loupe');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'Loupe');
}

/** Default desktop API address when Settings turns the API on. */
export const DEFAULT_API_PORT = 8765;

/**
 * The composition root: builds every service once. Both shells call it; the Electron
 * shell wires `dispatcher` and `bus` to its IPC, the headless shell listens with `http`.
 */
export async function createApp(config: AppConfig): Promise<LoupeApp> {
  // Owner-only: the folder holds the token, the database and every picture.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const log = config.log ?? ((message: string, err?: unknown) => process.stderr.write(`loupe: ${message}${err ? ` ${describe(err)}` : ''}\n`));
  const version = config.version ?? '0.0.0';
  const store = openStore(join(config.dataDir, 'loupe.db'));
  const bus = createEventBus({ log });
  const library = new LibraryService(store, config.dataDir, bus.emit, (err) => log('an import step failed:', err));
  const apiSettings = new ApiSettingsService(store, {
    dataDir: config.dataDir,
    shell: config.shell,
    token: config.token ?? loadOrCreateToken(config.dataDir),
  });
  const tasks = new TaskService({ dataDir: config.dataDir, library, emit: bus.emit, log });
  const vision = new VisionService(store, { dataDir: config.dataDir, library, tasks, emit: bus.emit, subscribe: bus.subscribe, log, spawn: config.spawnChild, ...config.vision });
  const scripts = new ScriptService(store, { library, tasks, vision, emit: bus.emit, log, spawn: config.spawnChild, unsafeNoCounting: config.scripts?.unsafeNoCounting });
  const services: LoupeServices = { store, library, apiSettings, tasks, vision, scripts };

  const core = createHandlers({
    library,
    apiSettings,
    tasks,
    appInfo: () => ({
      version,
      shell: config.shell,
      dataDir: config.dataDir,
      api: { enabled: apiSettings.enabled, url: apiSettings.get().url },
    }),
  });
  // Each feature's services and handlers join here: one spread per feature, so the
  // compiler insists that every procedure of the contract has its handler.
  const handlers: Handlers = { ...core, ...visionHandlers(vision), ...scriptHandlers(scripts), ...queueHandlers(tasks.monitor) };
  const dispatcher = createDispatcher(handlers, { log: (err, info) => log(`${info.method} failed (${info.reason}):`, err) });

  const metrics = new Metrics();
  const http = createApiApp(
    { library, apiSettings, tasks, dispatcher, bus, metrics, version },
    {
      allowRemote: config.allowRemote,
      rendererDir: config.rendererDir,
      accessLog: config.accessLog,
      rateLimit: config.rateLimit,
      onError: (err) => log('request failed:', err),
      extraRoutes: [visionRoutes(vision), scriptApiRoutes(scripts)],
    },
  );

  let listening = false;
  let closed = false;
  const listen = async (opts: { host?: string; port?: number } = {}) => {
    const addr = await http.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
    listening = true;
    apiSettings.setUrl(addr.url);
    return addr;
  };
  const stopListening = async () => {
    if (!listening) return;
    listening = false;
    apiSettings.setUrl(null);
    await http.close({ timeoutMs: 5000 });
  };

  // Tasks left running by a previous process run again now, once every feature has
  // defined its task kinds on `tasks.queue` (above this line).
  tasks.start();

  // The desktop shell serves the API only when Settings says so.
  if (config.shell === 'electron') {
    apiSettings.onChange((change) => {
      if (change !== 'enabled') return;
      const run = apiSettings.enabled ? listen({ port: config.apiPort ?? DEFAULT_API_PORT }) : stopListening();
      run.catch((err) => log('the local API could not change state:', err));
    });
    if (apiSettings.enabled) await listen({ port: config.apiPort ?? DEFAULT_API_PORT }).catch((err) => log('the local API could not start:', err));
  }

  return {
    dispatcher,
    bus,
    services,
    http,
    config,
    get token() {
      return apiSettings.token;
    },
    listen,
    async close() {
      if (closed) return;
      closed = true;
      await stopListening();
      // Imports stop at once (they resume at the next start: stored pictures count as
      // duplicates); other running tasks get a moment to finish, the rest are re-queued.
      await library.close();
      await tasks.stop();
      await scripts.close();
      await vision.close();
      store.close();
    },
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
