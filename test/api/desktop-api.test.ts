import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { call } from './client';

let dir: string;
let app: LoupeApp;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-desktop-api-'));
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

async function settled(predicate: () => boolean) {
  for (let i = 0; i < 3000 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('Settings → Local API', () => {
  it('desktop: the API is off by default, turns on and off from Settings, and stays on across a restart', async () => {
    app = await createApp({ dataDir: dir, shell: 'electron', apiPort: 0, log: () => {} });
    const off = await app.dispatcher.call('settings.api.get', {});
    expect(off).toMatchObject({ ok: true, value: { enabled: false, url: null } });

    await app.dispatcher.call('settings.api.set', { enabled: true });
    await settled(() => app.services.apiSettings.get().url !== null);
    const url = app.services.apiSettings.get().url!;
    expect((await call(url, 'GET', '/v1/health')).status).toBe(200);
    expect((await call(url, 'GET', '/v1/datasets', { token: app.token })).status).toBe(200);
    const info = await app.dispatcher.call('app.info', {});
    expect(info).toMatchObject({ ok: true, value: { shell: 'electron', api: { enabled: true, url } } });

    await app.dispatcher.call('settings.api.set', { enabled: false });
    await settled(() => app.services.apiSettings.get().url === null);
    await expect(call(url, 'GET', '/v1/health')).rejects.toThrow();

    await app.dispatcher.call('settings.api.set', { enabled: true });
    await app.close();
    app = await createApp({ dataDir: dir, shell: 'electron', apiPort: 0, log: () => {} });
    expect(app.services.apiSettings.get()).toMatchObject({ enabled: true, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
  });

  it('headless: the API carries the page itself, so Settings cannot turn it off', async () => {
    app = await createApp({ dataDir: dir, shell: 'headless', log: () => {} });
    const r = await app.dispatcher.call('settings.api.set', { enabled: false });
    expect(r).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });
});
