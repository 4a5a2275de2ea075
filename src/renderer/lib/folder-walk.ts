/**
 * Turns what a person dropped or picked (files, whole folders, folders of folders) into a
 * flat list of pictures with the label their folder gives them. DOM-free: it works on the
 * small slice of the File System entries API it needs, so Node tests can hand it fakes.
 *
 * Only handles are collected (a File is a lazy reference); no bytes are read here.
 */

/** The subset of FileSystemFileEntry / FileSystemDirectoryEntry used here. */
export interface WalkFileEntry {
  readonly isFile: true;
  readonly isDirectory: false;
  readonly name: string;
  file(ok: (file: NamedBlob) => void, fail?: (err: unknown) => void): void;
}
export interface WalkDirEntry {
  readonly isFile: false;
  readonly isDirectory: true;
  readonly name: string;
  createReader(): { readEntries(ok: (entries: WalkEntry[]) => void, fail?: (err: unknown) => void): void };
}
export type WalkEntry = WalkFileEntry | WalkDirEntry;

export type NamedBlob = Blob & { readonly name: string };

export interface PickedFile<F extends NamedBlob = NamedBlob> {
  file: F;
  /** The folder name that becomes the label; undefined for a loose file. */
  label?: string;
  /** Where it came from, for messages ("cats/tabby.jpg"). */
  path: string;
}

export interface Skipped {
  name: string;
  code: string;
  message: string;
}

const IMAGE_EXT = /\.(jpe?g|png|webp|gif|avif|tiff?|bmp)$/i;
const JUNK = new Set(['thumbs.db', 'desktop.ini', '.ds_store']);

/** Hidden files and the OS's folder litter are skipped without a word. */
export function isJunk(name: string): boolean {
  return name.startsWith('.') || JUNK.has(name.toLowerCase());
}

export function looksLikePicture(name: string): boolean {
  return IMAGE_EXT.test(name);
}

export function notAPicture(path: string): Skipped {
  return {
    name: path,
    code: 'unsupported_media_type',
    message: 'Not a picture: Loupe reads JPEG, PNG, WebP, GIF, AVIF, TIFF and BMP files.',
  };
}

/**
 * The label for a file picked through a folder input (`webkitRelativePath`, e.g.
 * "pets/cats/tabby.jpg"): the name of the folder the picture sits in.
 */
export function labelFromRelativePath(relativePath: string): string | undefined {
  const parts = relativePath.split('/').filter((p) => p.length > 0);
  return parts.length >= 2 ? parts[parts.length - 2] : undefined;
}

/** Lets the page paint and answer input between chunks of work. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function readBatch(reader: ReturnType<WalkDirEntry['createReader']>): Promise<WalkEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function fileOf(entry: WalkFileEntry): Promise<NamedBlob> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

export interface WalkOptions {
  /** Label for loose files (not inside any dropped folder). */
  looseLabel?: string;
  signal?: AbortSignal;
  /** Called every so often with the number of pictures found so far. */
  onFound?: (count: number) => void;
}

export interface WalkResult {
  files: PickedFile[];
  skipped: Skipped[];
}

/**
 * Walks dropped entries depth-first. A directory reader hands out entries in batches (100
 * at a time in Chromium) and must be called until it returns none. Every picture inside a
 * folder gets the name of the folder it sits in as its label, so dropping "cats" and "dogs"
 * (or one folder holding both) gives the labels cats and dogs.
 */
export async function walkEntries(roots: readonly WalkEntry[], opts: WalkOptions = {}): Promise<WalkResult> {
  const files: PickedFile[] = [];
  const skipped: Skipped[] = [];
  let sinceYield = 0;

  const visitFile = async (entry: WalkFileEntry, path: string, label: string | undefined) => {
    if (isJunk(entry.name)) return;
    if (!looksLikePicture(entry.name)) {
      skipped.push(notAPicture(path));
      return;
    }
    try {
      files.push({ file: await fileOf(entry), label, path });
    } catch {
      skipped.push({ name: path, code: 'not_found', message: 'Could not read this file; it may have been moved or be unreadable.' });
    }
    if (++sinceYield >= 200) {
      sinceYield = 0;
      opts.onFound?.(files.length);
      await yieldToEventLoop();
    }
  };

  const visitDir = async (dir: WalkDirEntry, path: string) => {
    if (isJunk(dir.name)) return;
    const reader = dir.createReader();
    for (;;) {
      if (opts.signal?.aborted) return;
      let batch: WalkEntry[];
      try {
        batch = await readBatch(reader);
      } catch {
        skipped.push({ name: path, code: 'not_found', message: 'Could not read this folder.' });
        return;
      }
      if (batch.length === 0) return;
      for (const e of batch) {
        if (opts.signal?.aborted) return;
        const childPath = `${path}/${e.name}`;
        if (e.isDirectory) await visitDir(e, childPath);
        else await visitFile(e, childPath, dir.name);
      }
    }
  };

  for (const root of roots) {
    if (opts.signal?.aborted) break;
    if (root.isDirectory) await visitDir(root, root.name);
    else await visitFile(root, root.name, opts.looseLabel);
  }
  opts.onFound?.(files.length);
  return { files, skipped };
}

/**
 * Same result for files that arrived without entries (a plain file input, or a folder
 * input whose files carry `webkitRelativePath`).
 */
export function pickFiles<F extends NamedBlob & { readonly webkitRelativePath?: string }>(
  list: Iterable<F>,
  looseLabel?: string,
): { files: PickedFile<F>[]; skipped: Skipped[] } {
  const files: PickedFile<F>[] = [];
  const skipped: Skipped[] = [];
  for (const file of list) {
    const rel = file.webkitRelativePath ?? '';
    const path = rel.length > 0 ? rel : file.name;
    if (isJunk(file.name) || path.split('/').some((seg, i, all) => i < all.length - 1 && isJunk(seg))) continue;
    if (!looksLikePicture(file.name)) {
      skipped.push(notAPicture(path));
      continue;
    }
    files.push({ file, label: rel.length > 0 ? labelFromRelativePath(rel) : looseLabel, path });
  }
  return { files, skipped };
}
