import { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme, protocol, session, utilityProcess, type MenuItemConstructorOptions } from 'electron';
import { fileURLToPath } from 'node:url';
import { contentSecurityPolicy } from './api/csp';
import { createApp, defaultDataDir } from './app';
import { serveAppFile } from './desktop/app-scheme';
import { PICTURE_SCHEME, servePicture } from './desktop/picture-scheme';
import { allowDevice, allowPermission } from './desktop/permissions';
import { APP_SCHEME, isTrustedFrame, rendererTarget } from './desktop/renderer-url';
import { registerElectronTransport } from './ipc/electron-transport';
import { exportLatestModel } from './services/vision/index';
import type { SpawnChild } from './queue/index';

/*
 * The desktop shell, and the only file of src/main that imports 'electron': one locked-down
 * window, the contract over IPC, the page and thumbnails over private protocols. Everything
 * else is the same createApp() the headless shell runs; the decisions (which page, which
 * file, which permission, which CSP) live in src/main/desktop and api/csp.ts, tested in Node.
 */

const THUMB_SCHEME = PICTURE_SCHEME;
// The dev server's URL counts only in an unpackaged build (renderer-url.ts says why).
const target = rendererTarget({ isPackaged: app.isPackaged, envUrl: process.env.ELECTRON_RENDERER_URL });
if (target.ignored) console.warn(`loupe: ${target.ignored}`);
const dev = target.kind === 'dev';
// Both shells use the same data folder (LOUPE_DATA overrides it), so `loupe serve` and the
// desktop app see the same library.
const dataDir = (): string => process.env.LOUPE_DATA || defaultDataDir();
const rendererDir = fileURLToPath(new URL('../renderer/', import.meta.url));
const preload = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));

// Also set as a <meta> tag in index.html; the header covers the dev server's responses, and
// loupe://app answers carry it too. The built page talks over IPC: no WebSocket source at all.
const CSP = contentSecurityPolicy({ devServer: dev ? target.origin : null });

// Registered before ready: loupe://app is a secure, standard origin of its own (so 'self',
// fetch and module scripts work), unlike file://, which is every file on the disk.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true } },
  { scheme: THUMB_SCHEME, privileges: { standard: true, secure: true, stream: true } },
]);

if (!app.requestSingleInstanceLock()) {
  // Another Loupe owns the data folder; it focuses its window (below) and this one leaves.
  app.quit();
} else {
  start().catch((err: unknown) => {
    // No window yet to show it in: say what failed in a native box, then leave.
    const message = err instanceof Error ? err.message : String(err);
    dialog.showErrorBox('Loupe could not start', `${message}\n\nData folder: ${dataDir()}`);
    app.exit(1);
  });
}

/**
 * Heavy CPU work (inference, training) runs in Electron utility processes: the same child
 * entries the headless shell starts with child_process.fork, behind the same small handle.
 */
const utilitySpawn: SpawnChild = (entry, opts) => {
  const child = utilityProcess.fork(entry, [], { execArgv: opts.execArgv, env: opts.env, serviceName: 'Loupe worker', stdio: 'inherit' });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (m) => {
      if (!exited) child.postMessage(m);
    },
    onMessage: (l) => void child.on('message', l),
    onExit: (l) => void child.on('exit', (code) => l(code, null)),
    kill: () => void child.kill(),
  };
};

function menu(win: () => BrowserWindow | null, exportModel: () => void): Menu {
  const mac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    { label: 'File', submenu: [{ label: 'Export model…', click: exportModel }, { type: 'separator' }, mac ? { role: 'close' } : { role: 'quit' }] },
    // No "Select all" here: Ctrl/Cmd+A belongs to the picture grid, and a menu accelerator would take it first.
    { label: 'Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }] },
    {
      label: 'View',
      submenu: [
        ...(dev ? [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }, { type: 'separator' as const }] : []),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      role: 'help',
      submenu: [
        {
          // No accelerator: the page itself answers F1 and ?, this only reaches it from the menu.
          label: 'Keyboard shortcuts (?)',
          click: () => {
            const wc = win()?.webContents;
            wc?.sendInputEvent({ type: 'keyDown', keyCode: 'F1' });
            wc?.sendInputEvent({ type: 'keyUp', keyCode: 'F1' });
          },
        },
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}

async function start(): Promise<void> {
  await app.whenReady();
  const loupe = await createApp({ dataDir: dataDir(), shell: 'electron', spawnChild: utilitySpawn });
  let win: BrowserWindow | null = null;

  protocol.handle(THUMB_SCHEME, (request) => servePicture(loupe.services.library, request.url));

  protocol.handle(APP_SCHEME, (request) => serveAppFile(rendererDir, request.url));

  const ses = session.defaultSession;
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  // Every permission refused but what the app uses, and only for its own page (permissions.ts).
  ses.setPermissionRequestHandler((wc, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? details.mediaTypes : undefined;
    callback(allowPermission({ permission, requester: details.requestingUrl || wc.getURL(), mediaTypes }, target.origin));
  });
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin, details) =>
    allowPermission({ permission, requester: requestingOrigin, mediaTypes: details.mediaType ? [details.mediaType] : undefined }, target.origin),
  );
  ses.setDevicePermissionHandler(() => allowDevice());

  const stopTransport = registerElectronTransport({
    ipcMain,
    dispatcher: loupe.dispatcher,
    bus: loupe.bus,
    getWebContents: () => BrowserWindow.getAllWindows().map((w) => w.webContents),
    isTrustedFrame: (url) => isTrustedFrame(target, url),
  });

  const createWindow = () => {
    win = new BrowserWindow({
      width: 1280,
      height: 820,
      minWidth: 720,
      minHeight: 480,
      title: 'Loupe',
      show: false,
      backgroundColor: nativeTheme.shouldUseDarkColors ? '#161615' : '#f6f6f4',
      webPreferences: { preload, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, spellcheck: false },
    });
    win.once('ready-to-show', () => win?.show());
    win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
    win.webContents.on('will-navigate', (e) => e.preventDefault());
    win.webContents.on('will-attach-webview', (e) => e.preventDefault());
    win.on('closed', () => {
      win = null;
    });
    void win.loadURL(target.url);
  };

  /**
   * File › Export model…: the newest model of the dataset the window shows (the page keeps
   * its choice in localStorage, as the Train page reads it) written as one ONNX file. The
   * logic is exportLatestModel (services/vision/export-latest.ts); this supplies the dialogs.
   */
  const exportLatest = async () => {
    const w = win;
    try {
      const chosen: unknown = w ? await w.webContents.executeJavaScript("localStorage.getItem('loupe.dataset')").catch(() => null) : null;
      await exportLatestModel(loupe.services, {
        chosenDatasetId: typeof chosen === 'string' ? chosen : null,
        defaultDir: app.getPath('documents'),
        pickPath: async (defaultPath) => {
          const options = { title: 'Export model', defaultPath, filters: [{ name: 'ONNX model', extensions: ['onnx'] }] };
          const picked = w ? await dialog.showSaveDialog(w, options) : await dialog.showSaveDialog(options);
          return picked.canceled || !picked.filePath ? null : picked.filePath;
        },
      });
    } catch (err) {
      dialog.showErrorBox('Could not export the model', err instanceof Error ? err.message : String(err));
    }
  };

  Menu.setApplicationMenu(
    menu(
      () => win,
      () => void exportLatest(),
    ),
  );
  createWindow();

  app.on('second-instance', () => {
    if (!win) return createWindow();
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Quit waits for the app to close cleanly (imports stopped, database checkpointed).
  let closed = false;
  app.on('before-quit', (e) => {
    if (closed) return;
    e.preventDefault();
    stopTransport();
    void Promise.resolve(loupe.close())
      .catch((err: unknown) => console.error('loupe: error while closing', err))
      .finally(() => {
        closed = true;
        app.quit();
      });
  });
}
