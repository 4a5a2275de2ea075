import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appFilePath, serveAppFile } from '../../src/main/desktop/app-scheme';

/*
 * loupe://app/ serves the built renderer folder to the desktop window. Real files and real
 * symlinks: the folder's files answer, nothing outside it does, however the URL is spelled.
 */

let dir: string;
let root: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-scheme-'));
  root = join(dir, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Loupe</title>');
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'outside');
  writeFileSync(join(dir, 'renderer-evil.txt'), 'sibling with a common prefix');
  symlinkSync(join(dir, 'secret.txt'), join(root, 'assets', 'link.txt'));
  symlinkSync(dir, join(root, 'up'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loupe://app file resolution', () => {
  it('maps the page and its assets into the folder, and routes extension-less paths to the page', () => {
    expect(appFilePath(root, 'loupe://app/')).toEqual({ ok: true, path: join(root, 'index.html') });
    expect(appFilePath(root, 'loupe://app/index.html')).toEqual({ ok: true, path: join(root, 'index.html') });
    expect(appFilePath(root, 'loupe://app/assets/index-abc123.js?v=1#x')).toEqual({ ok: true, path: join(root, 'assets', 'index-abc123.js') });
    expect(appFilePath(root, 'loupe://app/library')).toEqual({ ok: true, path: join(root, 'index.html') });
  });

  it('refuses every spelling of a way out before touching the disk', () => {
    const attempts = [
      'loupe://app/..%2fsecret.txt',
      'loupe://app/assets%2f..%2f..%2fsecret.txt',
      'loupe://app/..%5csecret.txt',
      'loupe://app/%2e%2e%5csecret.txt',
      'loupe://app/index.html%00.js',
      'loupe://app/%ZZ.js',
      'loupe://app/a\\..\\..\\secret.txt',
    ];
    for (const url of attempts) {
      const r = appFilePath(root, url);
      expect({ url, ok: r.ok }).toEqual({ url, ok: false });
    }
    // The URL parser folds plain and %2e dot segments at the root: they stay inside the folder.
    for (const url of ['loupe://app/../secret.txt', 'loupe://app/%2e%2e/%2e%2e/secret.txt', 'loupe://app/assets/../../../secret.txt']) {
      const r = appFilePath(root, url);
      expect(r.ok && r.path).toBe(join(root, 'secret.txt'));
    }
  });

  it('answers only loupe://app', () => {
    expect(appFilePath(root, 'loupe://other/index.html')).toMatchObject({ ok: false, status: 404 });
    expect(appFilePath(root, 'file:///etc/passwd')).toMatchObject({ ok: false, status: 404 });
    expect(appFilePath(root, 'https://app/index.html')).toMatchObject({ ok: false, status: 404 });
    expect(appFilePath(root, 'not a url')).toMatchObject({ ok: false, status: 400 });
  });
});

describe('loupe://app answers', () => {
  it('serves a file with its type, nosniff and the page CSP', async () => {
    const page = await serveAppFile(root, 'loupe://app/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Loupe</title>');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
    const js = await serveAppFile(root, 'loupe://app/assets/index-abc123.js');
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('does not follow symlinks out of the folder, and 404s what is missing', async () => {
    expect((await serveAppFile(root, 'loupe://app/assets/link.txt')).status).toBe(404);
    expect((await serveAppFile(root, 'loupe://app/up/secret.txt')).status).toBe(404);
    expect((await serveAppFile(root, 'loupe://app/up/renderer-evil.txt')).status).toBe(404);
    expect((await serveAppFile(root, 'loupe://app/nothing.js')).status).toBe(404);
    expect((await serveAppFile(root, 'loupe://app/assets')).status).toBe(200); // extension-less: the page
    expect((await serveAppFile(root, 'loupe://app/..%2fsecret.txt')).status).toBe(400);
  });
});
