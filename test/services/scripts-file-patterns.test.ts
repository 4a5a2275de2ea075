// `loupe.files(folder, pattern)`: patterns match in time linear in pattern × name (no
// backtracking), and a call looks at and answers a bounded number of entries, saying when
// it stopped early. Real folders, real links, the real server.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { Glob, listFiles } from '../../src/main/services/scripts/index';
import { MAX_FILES_RETURNED, MAX_PATTERN_CHARS } from '../../src/main/services/scripts/limits';
import { call } from '../api/client';

describe('the pattern matcher', () => {
  it('matches like a shell pattern, case-insensitively', () => {
    const cases: Array<[string, string, boolean]> = [
      ['*.jpg', 'Holiday.JPG', true],
      ['*.jpg', 'a.jpeg', false],
      ['?.png', 'a.png', true],
      ['?.png', 'ab.png', false],
      ['*.{jpg,png}', 'x.png', true],
      ['*.{jpg,png}', 'x.gif', false],
      ['{a,b{c,d}}-*', 'bd-1', true],
      ['{a,b{c,d}}-*', 'be-1', false],
      ['img{,_small}.jpg', 'img.jpg', true],
      ['img{,_small}.jpg', 'img_small.jpg', true],
      ['{unclosed', '{unclosed', true],
      ['a}b,c', 'a}b,c', true],
      ['*', '', true],
      ['', '', true],
      ['', 'a', false],
      ['**x**', 'axb', true],
      ['.*', '.hidden', true],
      ['[ab].jpg', '[ab].jpg', true], // brackets are plain characters, not a class
      ['a.c', 'abc', false], // `.` is a plain character, not "any"
      ['ü*', 'Über.txt', true],
      ['*🙂?', 'x🙂y', true],
    ];
    for (const [pattern, name, want] of cases) expect(new Glob(pattern).test(name), `${pattern} ~ ${name}`).toBe(want);
  });

  it('answers at once on the patterns that make a backtracking matcher run for ages', () => {
    // A RegExp built from these (`[^/]*` per star) takes exponential time on a non-match;
    // a test that finished is the proof: the old matcher would not finish in this test's time.
    const name = 'a'.repeat(255);
    const patterns = [
      `${'*'.repeat(500)}b`,
      `${'*a'.repeat(120)}b`,
      `${'?*'.repeat(120)}b`,
      `${'{a,aa}'.repeat(100)}b`,
      `${'{*,a}'.repeat(100)}b`,
      `${'{'.repeat(200)}a${'}'.repeat(200)}*b`,
    ];
    for (const p of patterns) expect(new Glob(p).test(name), p.slice(0, 30)).toBe(false);
    expect(new Glob(`${'*a'.repeat(120)}`).test(name)).toBe(true);
    expect(new Glob(`${'{a,aa}'.repeat(100)}`).test('a'.repeat(150))).toBe(true);
  });
});

describe('listing a folder', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'loupe-list-'));
    for (let i = 0; i < 30; i++) writeFileSync(join(dir, `f${String(i).padStart(2, '0')}.jpg`), '');
    mkdirSync(join(dir, 'sub.jpg'));
    symlinkSync(join(dir, 'f00.jpg'), join(dir, 'link.jpg'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers regular files only, sorted', async () => {
    const r = await listFiles(dir, '*.jpg');
    expect(r.stopped).toBeNull();
    expect(r.paths).toHaveLength(30);
    expect(r.paths[0]).toBe(join(dir, 'f00.jpg'));
    expect(r.paths).not.toContain(join(dir, 'sub.jpg'));
    expect(r.paths).not.toContain(join(dir, 'link.jpg'));
  });

  it('stops at the bounds and says which one it met', async () => {
    expect(await listFiles(dir, null, { scanned: 1000, returned: 10 })).toMatchObject({ stopped: 'returned' });
    expect((await listFiles(dir, null, { scanned: 1000, returned: 10 })).paths).toHaveLength(10);
    expect(await listFiles(dir, null, { scanned: 5, returned: 1000 })).toMatchObject({ stopped: 'scanned' });
    expect(await listFiles(dir, `${'{*,?}'.repeat(40)}*`, { scanned: 1000, returned: 1000, steps: 1000 })).toMatchObject({ stopped: 'work' });
    // Exactly as many matches as the bound is not "stopped early".
    expect(await listFiles(dir, 'f0?.jpg', { scanned: 1000, returned: 10 })).toMatchObject({ stopped: null });
  });

  it('refuses a pattern longer than the limit with a clear error', async () => {
    await expect(listFiles(dir, '*'.repeat(MAX_PATTERN_CHARS + 1))).rejects.toThrow(`A file pattern may have at most ${MAX_PATTERN_CHARS} characters`);
  });
});

describe('loupe.files through the server', () => {
  let dir: string;
  let app: LoupeApp;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'loupe-files-'));
    app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false } });
    base = (await app.listen({ port: 0 })).url;
    mkdirSync(join(dir, 'many'));
    for (let i = 0; i < MAX_FILES_RETURNED + 5; i++) writeFileSync(join(dir, 'many', `${'a'.repeat(200)}${i}`), '');
    await app.dispatcher.call('scripts.folders.grant', { path: join(dir, 'many') });
  }, 60_000);
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (body: string) =>
    call(base, 'POST', '/v1/scripts/run', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: `import "loupe" as loupe\n${body}`, timeoutMs: 30_000 }),
      token: app.token,
    });

  it('a costly pattern over ten thousand long names ends, and the server answers meanwhile', async () => {
    const pattern = `${'*a'.repeat(100)}*`;
    const listing = run(`len(loupe.files(${JSON.stringify(join(dir, 'many'))}, ${JSON.stringify(pattern)}))`);
    const health = await call(base, 'GET', '/v1/health');
    expect(health.status).toBe(200);
    const r = await listing;
    expect(r.status, r.text).toBe(200);
    expect(r.json.value).toBe(MAX_FILES_RETURNED);
  });

  it('answers the first ten thousand files and says it stopped', async () => {
    const r = await run(`len(loupe.files(${JSON.stringify(join(dir, 'many'))}))`);
    expect(r.status, r.text).toBe(200);
    expect(r.json.value).toBe(MAX_FILES_RETURNED);
    expect(r.json.output).toContain(
      `[loupe.files: the first ${MAX_FILES_RETURNED} matching files of ${join(dir, 'many')} only; move them away and call again, or narrow the pattern]`,
    );
  });

  it('a too long pattern is a catchable script error', async () => {
    const r = await run(
      `let m = nil\ntry { loupe.files(${JSON.stringify(join(dir, 'many'))}, "${'*'.repeat(MAX_PATTERN_CHARS + 1)}") } catch e { m = e.message }\nm`,
    );
    expect(r.status, r.text).toBe(200);
    expect(r.json.value).toMatch(/A file pattern may have at most/);
  });
});
