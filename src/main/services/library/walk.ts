import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ImportFailure } from '../../../shared/contract';

export interface FoundFile {
  path: string;
  /** The name shown to the person: relative to what they dropped. */
  name: string;
  label: string | null;
}

export interface WalkOptions {
  labels: 'folders' | 'none';
  /** One label for everything (overrides folder names). */
  label?: string;
  signal?: AbortSignal;
  /** Refuses a file by throwing (e.g. outside a script's granted folders); kept files are then named by their real path. */
  checkFile?: (realPath: string) => void;
}

/**
 * Expands dropped paths into the files to import. Hidden files and folders (".name") are
 * skipped, and so are symlinked folders (they can loop). With `labels: 'folders'` a
 * picture's label is the name of the folder that directly holds it, for every folder at
 * or below a dropped one: dropping `cats/` labels its pictures "cats", dropping `pets/`
 * with `pets/cats/` and `pets/dogs/` labels them "cats" and "dogs". A file dropped on its
 * own gets no label.
 */
export async function walkPaths(paths: readonly string[], opts: WalkOptions): Promise<{ files: FoundFile[]; failures: ImportFailure[] }> {
  const files: FoundFile[] = [];
  const failures: ImportFailure[] = [];
  const labelFor = (file: string, fromFolder: boolean): string | null => {
    if (opts.label !== undefined) return opts.label;
    if (opts.labels === 'none' || !fromFolder) return null;
    return cleanLabel(basename(dirname(file)));
  };

  /** Adds a found file, through `checkFile` when there is one. */
  async function found(path: string, name: string, label: string | null): Promise<void> {
    if (!opts.checkFile) {
      files.push({ path, name, label });
      return;
    }
    try {
      const real = await realpath(path);
      opts.checkFile(real);
      files.push({ path: real, name, label });
    } catch (err) {
      failures.push({ name, code: 'forbidden', message: err instanceof Error ? err.message : String(err) });
    }
  }

  async function visit(dir: string, root: string): Promise<void> {
    if (opts.signal?.aborted) return;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      failures.push({ name: relName(root, dir), code: 'unreadable', message: 'The folder cannot be read.' });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) await visit(full, root);
      else if (e.isFile()) await found(full, relName(root, full), labelFor(full, true));
      else if (e.isSymbolicLink()) {
        const target = await stat(full).catch(() => null);
        if (target?.isFile()) await found(full, relName(root, full), labelFor(full, true));
      }
    }
  }

  for (const raw of paths) {
    const p = resolve(raw);
    const info = await lstat(p).catch(() => null);
    const target = info?.isSymbolicLink() ? await stat(p).catch(() => null) : info;
    if (!target) {
      failures.push({ name: raw, code: 'not_found', message: 'No such file or folder.' });
    } else if (target.isDirectory()) {
      await visit(p, dirname(p));
    } else if (target.isFile()) {
      await found(p, basename(p), labelFor(p, false));
    } else {
      failures.push({ name: raw, code: 'unsupported_media_type', message: 'Not a file or folder.' });
    }
  }
  return { files, failures };
}

function relName(root: string, full: string): string {
  return full.startsWith(root) ? full.slice(root.length).replace(/^[\\/]+/, '') : basename(full);
}

/** Folder names become labels: trimmed, without characters a label may not hold, at most 100 long. */
export function cleanLabel(folder: string): string | null {
  // Control characters are what this removes, so the pattern has to name them.
  // eslint-disable-next-line no-control-regex
  const cleaned = folder.replace(/[\\/\u0000-\u001f]/g, ' ');
  const s = cleaned.trim().slice(0, 100).trim();
  return s.length > 0 ? s : null;
}
