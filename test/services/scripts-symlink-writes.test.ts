// Writes by scripts never follow a symbolic link out of the granted folders: `copy`,
// `move` (same drive and across drives), `mkdir`, attacked with real links (dangling, to an
// outside file, to an outside folder, a linked parent folder) over the real HTTP API.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { call } from '../api/client';

let dir: string;
let app: LoupeApp;
let base: string;
let granted: string;
let outside: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-symlinks-'));
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false } });
  base = (await app.listen({ port: 0 })).url;
  granted = join(dir, 'granted');
  outside = join(dir, 'outside');
  mkdirSync(granted);
  mkdirSync(outside);
  await app.dispatcher.call('scripts.folders.grant', { path: granted });
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const q = (s: string) => JSON.stringify(s);
/** Runs a script through POST /v1/scripts/run; answers the value or the error message. */
async function run(body: string): Promise<{ ok: boolean; value?: unknown; message?: string; output?: string }> {
  const r = await call(base, 'POST', '/v1/scripts/run', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: `import "loupe" as loupe\n${body}`, timeoutMs: 20_000 }),
    token: app.token,
  });
  if (r.status === 200) return { ok: true, value: r.json.value, output: r.json.output };
  expect(r.status, r.text).toBe(422);
  return { ok: false, message: r.json.error.message, output: r.json.error.output };
}

/** Every file below a folder with its bytes: what "nothing outside changed" is checked against. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) {
        out[p] = 'folder';
        walk(p);
      } else out[p] = st.isSymbolicLink() ? 'link' : readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return out;
}

describe('copy and move never write through a link', () => {
  it('a dangling link named like the copy is passed over, and its outside target is never created', async () => {
    const work = join(granted, 'dangling');
    mkdirSync(join(work, 'dest'), { recursive: true });
    writeFileSync(join(work, 'photo.jpg'), 'mine');
    symlinkSync(join(outside, 'planted.jpg'), join(work, 'dest', 'photo.jpg'));
    for (const op of ['copy', 'move']) {
      if (op === 'move') writeFileSync(join(work, 'photo.jpg'), 'mine');
      const r = await run(`loupe.${op}(${q(join(work, 'photo.jpg'))}, ${q(join(work, 'dest'))})`);
      expect(r.ok, r.message).toBe(true);
      expect(existsSync(join(outside, 'planted.jpg'))).toBe(false);
      expect(lstatSync(join(work, 'dest', 'photo.jpg')).isSymbolicLink()).toBe(true);
    }
    expect(readFileSync(join(work, 'dest', 'photo (1).jpg'), 'utf8')).toBe('mine');
    expect(readFileSync(join(work, 'dest', 'photo (2).jpg'), 'utf8')).toBe('mine');
    expect(existsSync(join(work, 'photo.jpg'))).toBe(false);
  });

  it('a link to an existing outside file keeps that file as it was', async () => {
    const work = join(granted, 'to-file');
    mkdirSync(join(work, 'dest'), { recursive: true });
    writeFileSync(join(outside, '.bashrc'), 'original');
    writeFileSync(join(work, '.bashrc'), 'echo owned');
    symlinkSync(join(outside, '.bashrc'), join(work, 'dest', '.bashrc'));
    const before = snapshot(outside);
    const copied = await run(`loupe.copy(${q(join(work, '.bashrc'))}, ${q(join(work, 'dest'))})`);
    expect(copied).toMatchObject({ ok: true, value: join(work, 'dest', '.bashrc (1)') });
    const moved = await run(`loupe.move(${q(join(work, '.bashrc'))}, ${q(join(work, 'dest'))})`);
    expect(moved).toMatchObject({ ok: true, value: join(work, 'dest', '.bashrc (2)') });
    expect(snapshot(outside)).toEqual(before);
  });

  it('a destination folder that is, or passes through, a link outside is refused before anything is written', async () => {
    const work = join(granted, 'to-dir');
    mkdirSync(work, { recursive: true });
    writeFileSync(join(work, 'a.jpg'), 'a');
    symlinkSync(outside, join(work, 'out-dir'));
    symlinkSync(join(outside, 'not-yet'), join(work, 'dangling-dir'));
    const before = snapshot(outside);
    const targets = [
      join(work, 'out-dir'), // a link to an outside folder
      join(work, 'out-dir', 'sub'), // a new folder under a linked parent
      join(work, 'dangling-dir'), // a dangling link: creating it would create the outside folder
      join(work, 'dangling-dir', 'sub'),
      join(work, 'out-dir', '..', '..', '..', 'outside'), // `..` through the link
    ];
    // One run tries every write at every target; each refusal is a catchable error, collected.
    const attempts = targets.flatMap((t) => [
      `loupe.copy(${q(join(work, 'a.jpg'))}, ${q(t)})`,
      `loupe.move(${q(join(work, 'a.jpg'))}, ${q(t)})`,
      `loupe.mkdir(${q(join(t, 'new'))})`,
    ]);
    const r = await run(`let out = []\n${attempts.map((a) => `try { push(out, ${a}) } catch e { push(out, "refused: " + e.message) }`).join('\n')}\nout`);
    expect(r.ok, r.message).toBe(true);
    const answers = r.value as string[];
    expect(answers).toHaveLength(attempts.length);
    answers.forEach((a, i) => expect(a, attempts[i]).toMatch(/^refused: .*(outside the folders scripts may use|symbolic link that leads nowhere)/));
    expect(snapshot(outside)).toEqual(before);
    expect(existsSync(join(outside, 'not-yet'))).toBe(false);
    expect(readFileSync(join(work, 'a.jpg'), 'utf8')).toBe('a');
  });

  it('a source that is a link to an outside file cannot be copied or moved in', async () => {
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    symlinkSync(join(outside, 'secret.txt'), join(granted, 'secret-link.txt'));
    for (const op of ['copy', 'move']) {
      const r = await run(`loupe.${op}(${q(join(granted, 'secret-link.txt'))}, ${q(join(granted, 'stolen'))})`);
      expect(r.ok).toBe(false);
      expect(r.message).toMatch(/outside the folders scripts may use/);
    }
    expect(existsSync(join(granted, 'stolen'))).toBe(false);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
  });

  it('copy refuses a named pipe at once instead of waiting for a writer', async () => {
    execFileSync('mkfifo', [join(granted, 'pipe.jpg')]);
    const r = await run(`loupe.copy(${q(join(granted, 'pipe.jpg'))}, ${q(join(granted, 'pipes'))})`);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/is not a file; copy takes a file/);
  });

  it('moves a folder by name without replacing anything, and copy refuses a folder', async () => {
    const work = join(granted, 'folders');
    mkdirSync(join(work, 'album'), { recursive: true });
    mkdirSync(join(work, 'dest', 'album'), { recursive: true });
    writeFileSync(join(work, 'dest', 'album', 'keep.jpg'), 'keep');
    writeFileSync(join(work, 'album', 'x.jpg'), 'x');
    const c = await run(`loupe.copy(${q(join(work, 'album'))}, ${q(join(work, 'dest'))})`);
    expect(c.ok).toBe(false);
    expect(c.message).toMatch(/is not a file; copy takes a file/);
    const m = await run(`loupe.move(${q(join(work, 'album'))}, ${q(join(work, 'dest'))})`);
    expect(m).toMatchObject({ ok: true, value: join(work, 'dest', 'album (1)') });
    expect(readFileSync(join(work, 'dest', 'album (1)', 'x.jpg'), 'utf8')).toBe('x');
    expect(readFileSync(join(work, 'dest', 'album', 'keep.jpg'), 'utf8')).toBe('keep');
  });
});

// /dev/shm is a tmpfs: a move from the test folder to it crosses drives (EXDEV) for real.
const otherDrive = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(tmpdir()).dev ? '/dev/shm' : null;

describe.skipIf(!otherDrive)('moves across drives', () => {
  let far: string;
  beforeAll(async () => {
    far = mkdtempSync(join(otherDrive!, 'loupe-far-'));
    await app.dispatcher.call('scripts.folders.grant', { path: far });
  });
  afterAll(() => rmSync(far, { recursive: true, force: true }));

  it('copies into a new file and removes the original, never through a dangling link', async () => {
    writeFileSync(join(granted, 'travel.jpg'), 'bytes');
    symlinkSync(join(outside, 'travel.jpg'), join(far, 'travel.jpg'));
    const r = await run(`loupe.move(${q(join(granted, 'travel.jpg'))}, ${q(far)})`);
    expect(r).toMatchObject({ ok: true, value: join(far, 'travel (1).jpg') });
    expect(readFileSync(join(far, 'travel (1).jpg'), 'utf8')).toBe('bytes');
    expect(existsSync(join(granted, 'travel.jpg'))).toBe(false);
    expect(existsSync(join(outside, 'travel.jpg'))).toBe(false);
  });

  it('refuses to move a folder across drives and leaves it where it was', async () => {
    mkdirSync(join(granted, 'trip'));
    writeFileSync(join(granted, 'trip', 'a.jpg'), 'a');
    const r = await run(`loupe.move(${q(join(granted, 'trip'))}, ${q(far)})`);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/on another drive/);
    expect(readFileSync(join(granted, 'trip', 'a.jpg'), 'utf8')).toBe('a');
    expect(existsSync(join(far, 'trip'))).toBe(false);
  });
});

describe('the checks after the create', () => {
  it('a destination folder swapped for a link after the path check is caught before any write', async () => {
    // What a swap between `folders.check` and the write looks like to safe-fs: it is handed
    // a folder path that now leads outside. The real-path check at the write refuses it.
    const { copyInto, moveInto, makeFolder } = await import('../../src/main/services/scripts/safe-fs');
    const folders = app.services.scripts.folders;
    const checkReal = (p: string) => folders.checkReal(p);
    const swapped = join(granted, 'swapped');
    symlinkSync(outside, swapped);
    writeFileSync(join(granted, 'race.jpg'), 'race');
    const before = snapshot(outside);
    await expect(copyInto(join(granted, 'race.jpg'), swapped, checkReal)).rejects.toThrow(/outside the folders scripts may use/);
    await expect(moveInto(join(granted, 'race.jpg'), swapped, checkReal)).rejects.toThrow(/outside the folders scripts may use/);
    await expect(makeFolder(join(swapped, 'made'), checkReal)).rejects.toThrow(/outside the folders scripts may use/);
    expect(snapshot(outside)).toEqual(before);
    expect(readFileSync(join(granted, 'race.jpg'), 'utf8')).toBe('race');
  });
});
