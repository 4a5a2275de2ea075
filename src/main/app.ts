import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createApiApp, Metrics, type ApiServerOptions } from './api/index';
import type { App } from './http/index';
import { createDispatcher, createEventBus, createHandlers, type Dispatcher, type EventBus, type Handlers } from './ipc/index';
import { LibraryService } from './services/library/index';
import { ApiSettingsService, loadOrCreateToken, removeServerFile, writeServerFile } from './services/settings/index';
import { TaskService } from './services/tasks/index';
import { VisionService } from './services/vision/index';
import type { SpawnChild } from './queue/index';
import { visionHandlers } from './ipc/vision-handlers';
import { queueHandlers } from './ipc/queue-handlers';
import { visionRoutes } from './api/vision-routes';
import { createLobeConnectApp, LobeConnect, LOBE_CONNECT_PORT } from './api/lobe-connect';
import { scriptApiRoutes } from './api/scripts';
import { scriptHandlers } from './ipc/scripts-handlers';
import { labellingHandlers } from './ipc/labelling-handlers';
import { reviewHandlers } from './ipc/review-handlers';
import { playHandlers } from './ipc/play-handlers';
import { playRoutes } from './api/play-routes';
import { GrantedFolders, ScriptService } from './services/scripts/index';
import { adoptLegacyQueue, openStore, type Store } from './store/index';
import { BrokerService } from './services/broker/index';
import { brokerRoutes } from './api/broker-routes';
import { brokerHandlers } from './ipc/broker-handlers';
import { draftHandlers } from './ipc/drafts-handlers';
import { modelHandlers } from './ipc/model-handlers';

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
  /** Lobe Connect's port when Settings turns it on (default 38100, Lobe's; 0: any free one, for tests). */
  lobeConnectPort?: number;
  /** Where internal errors are logged (never shown to a client). Default: stderr. */
  log?: (message: string, err?: unknown) => void;
  /** Vision: the backbone's folder (default: found beside the app), retrain-while-labelling, its debounce. */
  vision?: { modelsDir?: string; autoTrain?: boolean; debounceMs?: number };
  /**
   * How heavy CPU work's processes (inference, training) start. Default child_process.fork;
   * the Electron shell passes an adapter around utilityProcess.fork.
   */
  spawnChild?: SpawnChild;
  /** `loupe serve --broker redis://…`: compute kinds (embedding) go to `loupe worker`s through Redis. */
  broker?: string;
  /**
   * Run the task queue (default true). A `loupe datasets|models|tasks` that opens the folder
   * only to read it passes false, so it does not start work left queued by an earlier run.
   */
  runTasks?: boolean;
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

export { defaultDataDir } from './data-dir';

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
  // One database: the queue's tables live in loupe.db, so a change and its work commit together.
  const tasks = new TaskService({ db: store.db, library, emit: bus.emit, log, grants: new GrantedFolders(store.settings) });
  try {
    const moved = adoptLegacyQueue(store.db, join(config.dataDir, 'queue.db'));
    if (moved > 0) log(`moved ${moved} unfinished tasks from queue.db into loupe.db`);
  } catch (err) {
    log('the tasks of the old queue.db could not be moved:', err);
  }
  const broker = config.broker ? new BrokerService(config.broker, { log }) : null;
  const vision = new VisionService(store, {
    dataDir: config.dataDir,
    library,
    tasks,
    emit: bus.emit,
    subscribe: bus.subscribe,
    log,
    spawn: config.spawnChild,
    ...config.vision,
    remoteEmbedder: broker ? (backbone) => broker.embedder(backbone) : undefined,
  });
  const scripts = new ScriptService(store, {
    library,
    tasks,
    vision,
    emit: bus.emit,
    log,
    spawn: config.spawnChild,
    unsafeNoCounting: config.scripts?.unsafeNoCounting,
  });
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
      backbone: vision.backbone.status(),
    }),
  });
  // Each feature's services and handlers join here: one spread per feature, so the
  // compiler insists that every procedure of the contract has its handler.
  const handlers: Handlers = {
    ...core,
    ...visionHandlers(vision),
    ...scriptHandlers(scripts),
    ...queueHandlers(tasks.monitor),
    ...labellingHandlers(library.labelling),
    ...brokerHandlers(broker),
    ...draftHandlers(store),
    ...modelHandlers(vision),
    ...reviewHandlers(vision.review),
    ...playHandlers(vision),
  };
  const dispatcher = createDispatcher(handlers, { log: (err, info) => log(`${info.method} failed (${info.reason}):`, err) });

  const metrics = new Metrics();
  const http = createApiApp(
    {
      library,
      apiSettings,
      tasks,
      dispatcher,
      handlers,
      bus,
      metrics,
      version,
      broker: broker ? broker.describe() : { kind: 'sqlite' },
      backbone: () => vision.backbone.status(),
    },
    {
      allowRemote: config.allowRemote,
      rendererDir: config.rendererDir,
      accessLog: config.accessLog,
      rateLimit: config.rateLimit,
      onError: (err) => log('request failed:', err),
      extraRoutes: [
        visionRoutes(vision),
        playRoutes(vision),
        scriptApiRoutes(scripts),
        brokerRoutes(broker, (hash) => {
          const row = store.images.knownFile(hash);
          return row ? library.files.filePath(hash, row.ext) : null;
        }),
      ],
    },
  );

  // Lobe Connect: off by default; follows Settings in both shells.
  const lobeConnect = new LobeConnect(createLobeConnectApp(vision, { apiSettings, metrics, onError: (err) => log('request failed:', err) }), {
    apiSettings,
    // LOUPE_LOBE_CONNECT_PORT moves it for `loupe serve` (browser tests use a free port).
    port: config.lobeConnectPort ?? (process.env.LOUPE_LOBE_CONNECT_PORT ? Number(process.env.LOUPE_LOBE_CONNECT_PORT) : LOBE_CONNECT_PORT),
    log,
  });
  apiSettings.onChange((change) => {
    if (change === 'lobeConnect') apiSettings.track(lobeConnect.sync().catch((err) => log('Lobe Connect could not change state:', err)));
  });
  if (apiSettings.lobeConnect) await lobeConnect.sync();

  let listening = false;
  let closed = false;
  const listen = async (opts: { host?: string; port?: number } = {}) => {
    const addr = await http.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
    listening = true;
    apiSettings.setUrl(addr.url);
    writeServerFile(config.dataDir, { pid: process.pid, port: addr.port, url: addr.url });
    return addr;
  };
  const stopListening = async () => {
    if (!listening) return;
    listening = false;
    apiSettings.setUrl(null);
    if (!closed) writeServerFile(config.dataDir, { pid: process.pid, port: null, url: null });
    await http.close({ timeoutMs: 5000 });
  };

  // DATA/server.json says this process holds the folder, so a `loupe` command goes through
  // the local API (or says it is off) instead of opening the database a second time.
  writeServerFile(config.dataDir, { pid: process.pid, port: null, url: null });

  // Tasks left running by a previous process run again now, once every feature has defined
  // its task kinds on `tasks.queue` (above this line). Starting takes them back at once (or
  // ends those out of attempts); then whatever derived state still lags behind its source (a
  // crash between a commit and the next step, a task that died) gets its task.
  // A command that opens the folder only to read it (runTasks: false) starts and sweeps nothing.
  if (config.runTasks !== false) {
    tasks.start();
    try {
      vision.sweep();
    } catch (err) {
      log('the start-up sweep failed:', err);
    }
  }

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
      await lobeConnect.close();
      // Imports stop at once (they resume at the next start: stored pictures count as
      // duplicates); other running tasks get a moment to finish, the rest are re-queued.
      await library.close();
      await tasks.stop();
      await scripts.close();
      await vision.close();
      await broker?.close();
      store.close();
      removeServerFile(config.dataDir);
    },
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
