import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/shared/contract';
import { openStore, type Store } from '../../src/main/store';
import { LibraryService } from '../../src/main/services/library';
import { ApiSettingsService } from '../../src/main/services/settings';
import { TaskService } from '../../src/main/services/tasks';
import {
  createDispatcher,
  createEventBus,
  createHandlers,
  registerElectronTransport,
  type Dispatcher,
  type EventBus,
  type CoreHandlers,
  type Handlers,
  type IpcInvokeEventLike,
} from '../../src/main/ipc';

let dir: string;
let store: Store;
let bus: EventBus;
// Only the core procedures: the vision feature's handlers are tested with that feature.
let handlers: CoreHandlers;
let dispatcher: Dispatcher;
let logged: unknown[];
let tasks: TaskService;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-ipc-'));
  store = openStore(join(dir, 'loupe.db'));
  logged = [];
  bus = createEventBus({ log: (m, e) => logged.push([m, e]) });
  const library = new LibraryService(store, dir, bus.emit);
  const apiSettings = new ApiSettingsService(store, { dataDir: dir, shell: 'electron', token: 't'.repeat(64) });
  tasks = new TaskService({ db: store.db, library, emit: bus.emit, log: () => {} });
  handlers = createHandlers({
    library,
    apiSettings,
    tasks,
    appInfo: () => ({
      version: '0.0.0',
      shell: 'electron',
      dataDir: dir,
      api: { enabled: false, url: null },
      backbone: { state: 'ready', id: 'test', message: null, fix: null },
    }),
  });
  dispatcher = createDispatcher(handlers as Handlers, { log: (err) => logged.push(err) });
});
afterEach(async () => {
  await tasks.stop();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('dispatcher', () => {
  it('answers a valid call with the handler value', async () => {
    const made = await dispatcher.call('datasets.create', { name: '  Pets ' });
    expect(made).toEqual({ ok: true, value: expect.objectContaining({ name: 'Pets', imageCount: 0 }) });
    const list = await dispatcher.call('datasets.list', {});
    expect(list.ok && (list.value as unknown[]).length).toBe(1);
  });

  it('rejects a wrong payload with a validation error naming the field', async () => {
    expect(await dispatcher.call('datasets.create', { name: '' })).toEqual({
      ok: false,
      error: { code: 'validation', message: '"name": A dataset needs a name.', field: 'name' },
    });
    expect(await dispatcher.call('datasets.create', {})).toEqual({
      ok: false,
      error: { code: 'validation', message: '"name" is required.', field: 'name' },
    });
    expect(await dispatcher.call('images.setLabel', { ids: ['1', 7], label: null })).toMatchObject({
      error: { code: 'validation', field: 'ids.1', message: '"ids.1" should be a string.' },
    });
    expect(await dispatcher.call('datasets.get', { id: '1', extra: true })).toMatchObject({
      error: { code: 'validation', field: 'extra', message: 'Unknown field "extra".' },
    });
    expect(await dispatcher.call('datasets.get', 'nope')).toMatchObject({ error: { code: 'validation' } });
  });

  it('answers unknown procedures and missing records with codes a person can act on', async () => {
    expect(await dispatcher.call('datasets.explode', {})).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await dispatcher.call('datasets.get', { id: '42' })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'No dataset 42.' },
    });
  });

  it('never leaks an unexpected error or a handler that answers the wrong shape', async () => {
    const broken = createDispatcher(
      {
        ...(handlers as Handlers),
        'datasets.list': () => {
          throw new Error('SQLITE_CORRUPT at /secret/path');
        },
        'datasets.create': () => ({ id: 1 }) as never,
      },
      { log: (err) => logged.push(err) },
    );
    const thrown = (await broken.call('datasets.list', {})) as Envelope & { ok: false };
    expect(thrown.error.code).toBe('internal');
    expect(JSON.stringify(thrown)).not.toMatch(/secret|SQLITE|at /);
    const wrong = (await broken.call('datasets.create', { name: 'x' })) as Envelope & { ok: false };
    expect(wrong.error.code).toBe('internal');
    expect(logged).toHaveLength(2);
  });
});

describe('settings.api', () => {
  it('shows the token, keeps allowed origins, and regenerates the token into DATA/token', async () => {
    const before = (await dispatcher.call('settings.api.get', {})) as any;
    expect(before.value).toEqual({
      enabled: false,
      url: null,
      token: 't'.repeat(64),
      allowedOrigins: [],
      lobeConnect: { enabled: false, url: null, error: null },
    });
    const set = (await dispatcher.call('settings.api.set', { allowedOrigins: ['https://tool.example/path'] })) as any;
    expect(set.value.allowedOrigins).toEqual(['https://tool.example']);
    const bad = await dispatcher.call('settings.api.set', { allowedOrigins: ['not a url'] });
    expect(bad).toMatchObject({ ok: false, error: { code: 'validation', field: 'allowedOrigins.0' } });
    const again = (await dispatcher.call('settings.api.regenerateToken', {})) as any;
    expect(again.value.token).toMatch(/^[0-9a-f]{64}$/);
    expect(again.value.token).not.toBe(before.value.token);
    expect(readFileSync(join(dir, 'token'), 'utf8').trim()).toBe(again.value.token);
  });
});

describe('event bus', () => {
  it('delivers contract events and drops payloads that break the contract', () => {
    const got: unknown[] = [];
    const off = bus.subscribe((event, payload) => got.push([event, payload]));
    bus.emit('dataset.changed', { datasetId: '1', reason: 'labels' });
    bus.emit('dataset.changed', { datasetId: 1 } as never);
    off();
    bus.emit('dataset.changed', { datasetId: '2', reason: 'labels' });
    expect(got).toEqual([['dataset.changed', { datasetId: '1', reason: 'labels' }]]);
    expect(logged).toHaveLength(1);
  });
});

describe('Electron transport', () => {
  function fakeIpc() {
    const handlersByChannel = new Map<string, (e: IpcInvokeEventLike, ...args: unknown[]) => unknown>();
    return {
      handlersByChannel,
      ipcMain: {
        handle: (ch: string, fn: (e: IpcInvokeEventLike, ...args: unknown[]) => unknown) => void handlersByChannel.set(ch, fn),
        removeHandler: (ch: string) => void handlersByChannel.delete(ch),
      },
    };
  }

  it('serves calls from the app page only and forwards events to live windows', async () => {
    const { ipcMain, handlersByChannel } = fakeIpc();
    const sent: unknown[][] = [];
    const dispose = registerElectronTransport({
      ipcMain,
      dispatcher,
      bus,
      getWebContents: () => [
        { send: (...a: unknown[]) => sent.push(a), isDestroyed: () => false },
        { send: () => sent.push(['destroyed window got an event']), isDestroyed: () => true },
      ],
      isTrustedFrame: (url) => url.startsWith('file:///app/'),
    });
    const call = handlersByChannel.get('loupe:call')!;
    const ok = await call({ senderFrame: { url: 'file:///app/index.html' } }, 'datasets.create', { name: 'a' });
    expect(ok).toMatchObject({ ok: true, value: { name: 'a' } });
    const foreign = await call({ senderFrame: { url: 'https://evil.example/' } }, 'datasets.list', {});
    expect(foreign).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const noFrame = await call({ senderFrame: null }, 'datasets.list', {});
    expect(noFrame).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    sent.length = 0; // creating the dataset above announced it; look at this event alone
    bus.emit('dataset.changed', { datasetId: '1', reason: 'renamed' });
    expect(sent).toEqual([['loupe:event', 'dataset.changed', { datasetId: '1', reason: 'renamed' }]]);
    dispose();
    expect(handlersByChannel.size).toBe(0);
  });
});
