import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, createDataset, labelCount } from './fixtures';
import { writePetFolders } from './pictures';

/*
 * The desktop shell's import route, exercised in Chromium: a stand-in for the preload's
 * `window.loupe` (shell 'electron', `pathsForFiles`) over the same WebSocket contract. A drop
 * must then go to `imports.start` with paths, never upload bytes, and follow the
 * `import.progress` events to the end. Loupe serve runs on this machine, so the paths are real.
 */

let pics: string;
test.beforeAll(async () => {
  pics = mkdtempSync(join(tmpdir(), 'loupe-desk-'));
  await writePetFolders(join(pics, 'pets'), 6);
});
test.afterAll(() => rmSync(pics, { recursive: true, force: true }));

test('dropping folders in the desktop shell imports them by path, with progress from events', async ({ app: page }) => {
  await createDataset(page, 'Desktop');
  const droppedPath = join(pics, 'pets');
  await page.addInitScript((path: string) => {
    const listeners = new Map<string, Set<(p: unknown) => void>>();
    const pending = new Map<number, { ok: (v: unknown) => void; fail: (e: unknown) => void }>();
    const ws = new WebSocket(`ws://${location.host}/ipc`);
    const open = new Promise((r) => ws.addEventListener('open', r));
    let id = 0;
    const seen: string[] = [];
    ws.addEventListener('message', (m) => {
      const f = JSON.parse(String(m.data));
      if (typeof f.id === 'number') {
        const p = pending.get(f.id);
        pending.delete(f.id);
        if (f.ok) p?.ok(f.value);
        else p?.fail(f.error);
      } else for (const l of listeners.get(f.event) ?? []) l(f.payload);
    });
    const client = {
      shell: 'electron' as const,
      async call(method: string, params: unknown) {
        seen.push(method);
        await open;
        const n = ++id;
        return new Promise((ok, fail) => {
          pending.set(n, { ok, fail });
          ws.send(JSON.stringify({ id: n, method, params }));
        });
      },
      on(event: string, l: (p: unknown) => void) {
        if (!listeners.has(event)) listeners.set(event, new Set());
        listeners.get(event)!.add(l);
        return () => listeners.get(event)!.delete(l);
      },
      thumbnailUrl: (imageId: string) => `/v1/images/${imageId}/thumbnail`,
      pathsForFiles: (files: File[]) => files.map(() => path),
    };
    Object.defineProperty(window, 'loupe', { value: Object.freeze(client) });
    Object.defineProperty(window, '__calls', { value: seen });
  }, droppedPath);
  await page.reload();
  await expect(page.getByRole('button', { name: /Dataset: Desktop\./ })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { loupe: { shell: string } }).loupe.shell)).toBe('electron');
  const uploads: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().includes('/images')) uploads.push(r.url());
  });
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['folder'], 'pets'));
    document.querySelector('.drop-zone')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await expect(page.getByRole('status').filter({ hasText: 'Added 12 pictures' })).toBeVisible({ timeout: 60_000 });
  await expect(labelCount(page, 'label:cats')).toHaveText('6');
  await expect(labelCount(page, 'label:dogs')).toHaveText('6');
  expect(await page.evaluate(() => (window as unknown as { __calls: string[] }).__calls)).toContain('imports.start');
  expect(uploads).toEqual([]);
});
