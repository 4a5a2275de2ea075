// The file system a server fuzz run works in, and the listings that show what changed.
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { writePictures } from '../services/pictures';

export interface Sandbox {
  root: string;
  data: string;
  granted: string[];
  outside: string;
  home: string;
  tmp: string;
  /** The server's working folder (where a relative path would land). */
  cwd: string;
  /** In every name the scripts create in the real temp folder. */
  marker: string;
}

/**
 * root/granted/{a,b}: pictures in cats/ and dogs/, a file with a long name (for patterns
 * that backtrack), and symlinks that lead out (to a folder, to a file, dangling);
 * root/outside: decoys no script may touch; root/home, root/tmp and root/cwd: the server's
 * HOME, TMPDIR and working folder, so `~/…`, temp files and relative paths stay in the
 * sandbox; root/data: the data folder.
 */
export async function makeSandbox(): Promise<Sandbox> {
  const root = mkdtempSync(join(tmpdir(), 'loupe-fuzz-'));
  const marker = `fzq${root.slice(-6).replace(/[^A-Za-z0-9]/g, '')}`;
  const s: Sandbox = {
    root,
    data: join(root, 'data'),
    granted: [join(root, 'granted', 'a'), join(root, 'granted', 'b')],
    outside: join(root, 'outside'),
    home: join(root, 'home'),
    tmp: join(root, 'tmp'),
    cwd: join(root, 'cwd'),
    marker,
  };
  for (const d of [s.data, s.outside, s.home, s.tmp, s.cwd, ...s.granted]) mkdirSync(d, { recursive: true });
  writeFileSync(join(s.outside, 'secret.txt'), 'do not overwrite\n');
  writeFileSync(join(s.outside, '.bashrc'), 'echo "a shell start-up file"\n');
  writeFileSync(join(s.home, '.bashrc'), 'echo "home start-up file"\n');
  writeFileSync(join(s.home, '.profile'), 'export X=1\n');
  await writePictures(join(s.outside, 'pics'), 2, 900);
  for (const [i, g] of s.granted.entries()) {
    await writePictures(join(g, 'cats'), 4, 10 + i * 100);
    await writePictures(join(g, 'dogs'), 4, 50 + i * 100);
    writeFileSync(join(g, `${'a'.repeat(60)}.txt`), 'long name');
    symlinkSync(s.outside, join(g, 'link-out'));
    symlinkSync(join(s.outside, 'secret.txt'), join(g, 'link-file'));
    symlinkSync(join(s.outside, `${marker}-dangling-target.txt`), join(g, 'dangling'));
  }
  return s;
}

export interface Entry {
  kind: 'file' | 'dir' | 'link' | 'other';
  size: number;
  mtimeMs: number;
  target?: string;
}

/** Every entry under `dir` (not following links), except the folders `skip` names. */
export function listTree(dir: string, skip: string[] = []): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      if (skip.includes(p)) continue;
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      const kind = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
      out.set(relative(dir, p), {
        kind,
        size: kind === 'dir' ? 0 : st.size,
        mtimeMs: kind === 'dir' ? 0 : st.mtimeMs,
        ...(kind === 'link' ? { target: readlinkSync(p) } : {}),
      });
      if (kind === 'dir') walk(p);
    }
  };
  walk(dir);
  return out;
}

/** Entries of the real temp folder (top level) whose names carry the marker. */
export function markedInTmp(marker: string): string[] {
  try {
    return readdirSync(tmpdir()).filter((n) => n.includes(marker));
  } catch {
    return [];
  }
}

export function diffTrees(before: Map<string, Entry>, after: Map<string, Entry>): string[] {
  const changes: string[] = [];
  for (const [p, e] of after) {
    const b = before.get(p);
    if (!b) changes.push(`created ${p} (${e.kind})`);
    else if (b.kind !== e.kind || b.size !== e.size || b.mtimeMs !== e.mtimeMs || b.target !== e.target) changes.push(`changed ${p}`);
  }
  for (const p of before.keys()) if (!after.has(p)) changes.push(`removed ${p}`);
  return changes.sort();
}
