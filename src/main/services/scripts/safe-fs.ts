// The only ways a script's host calls create files: exclusive, no-follow creates, then a
// look at where the new file really is.
//
// Why not stat-then-write: a name that `stat` calls free may be a dangling symbolic link,
// and a plain `copyFile` or `open('w')` writes through it to wherever it points, outside
// the granted folders. `O_CREAT | O_EXCL` fails on any existing name, links included
// (POSIX: "regardless of the contents of the symbolic link"), so a file is only ever
// created, never replaced; `O_NOFOLLOW` says the same for the last component. A parent
// folder swapped for a link between the check and the create is caught afterwards: the
// created file's real path is checked again and the file removed if it landed outside.
import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath, rename, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { LoupeError } from '../../../shared/errors';

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
export const CREATE_EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;
/** Non-blocking too: opening a FIFO for reading would otherwise wait for a writer forever. */
const READ_NOFOLLOW = constants.O_RDONLY | NOFOLLOW | (constants.O_NONBLOCK ?? 0);
/** `a.jpg`, `a (1).jpg` … `a (9999).jpg`, then a clear error rather than an endless search. */
const MAX_NAME_TRIES = 10_000;

/** Checks an already-real path against the granted folders (GrantedFolders.checkReal). */
export type CheckReal = (realPath: string) => string;

const codeOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | null)?.code;

function candidate(folder: string, name: string, i: number): string {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  return join(folder, i === 0 ? name : `${stem} (${i})${ext}`);
}

/** Runs `make` on `name`, `name (1)`, … until one is created (EEXIST moves on). */
async function firstFree<T>(folder: string, name: string, make: (path: string) => Promise<T>): Promise<{ path: string; made: T }> {
  for (let i = 0; i < MAX_NAME_TRIES; i++) {
    const path = candidate(folder, name, i);
    try {
      return { path, made: await make(path) };
    } catch (err) {
      if (codeOf(err) !== 'EEXIST') throw err;
    }
  }
  throw new LoupeError('conflict', `${folder} already holds ${MAX_NAME_TRIES} files named like ${name}; move some away first.`);
}

/** Creates a new file under a free name in `folder`; never opens an existing name. */
export function createExclusive(folder: string, name: string): Promise<{ path: string; made: FileHandle }> {
  return firstFree(folder, name, (p) => open(p, CREATE_EXCLUSIVE, 0o644));
}

/** Removes what we created if its real path is outside the granted folders, then says so. */
async function verifyCreated(path: string, checkReal: CheckReal, isDir = false): Promise<string> {
  let real: string;
  try {
    real = await realpath(path);
    return checkReal(real);
  } catch (err) {
    await (isDir ? rmdir(path) : unlink(path)).catch(() => {});
    throw err;
  }
}

/** Copies the bytes of an open source into an open new file. */
async function pour(from: FileHandle, to: FileHandle): Promise<void> {
  const buf = Buffer.allocUnsafe(1 << 20);
  for (;;) {
    const { bytesRead } = await from.read(buf, 0, buf.length, null);
    if (bytesRead === 0) return;
    let off = 0;
    while (off < bytesRead) off += (await to.write(buf, off, bytesRead - off)).bytesWritten;
  }
}

async function openSourceFile(path: string): Promise<FileHandle> {
  const src = await open(path, READ_NOFOLLOW);
  const info = await src.stat();
  if (!info.isFile()) {
    await src.close();
    throw new LoupeError('validation', `${path} is not a file; copy takes a file.`);
  }
  return src;
}

/** Copies the (real, checked) file `from` into `folder` under a free name; answers the new path. */
export async function copyInto(from: string, folder: string, checkReal: CheckReal): Promise<string> {
  const src = await openSourceFile(from);
  try {
    const into = await verifyFolder(folder, checkReal);
    const { path, made } = await createExclusive(into, baseName(from));
    try {
      await pour(src, made);
    } catch (err) {
      await made.close().catch(() => {});
      await unlink(path).catch(() => {});
      throw err;
    }
    await made.close();
    return await verifyCreated(path, checkReal);
  } finally {
    await src.close().catch(() => {});
  }
}

/**
 * Moves the (real, checked) file or folder `from` into `folder` under a free name. The
 * name is first reserved by creating it exclusively (an empty file, or an empty folder
 * for a folder), and `rename` then replaces only that placeholder, which we made.
 * Across drives a file is copied into the placeholder and the original removed.
 */
export async function moveInto(from: string, folder: string, checkReal: CheckReal): Promise<string> {
  const info = await lstat(from);
  const into = await verifyFolder(folder, checkReal);
  const name = baseName(from);
  if (info.isDirectory()) {
    const { path } = await firstFree(into, name, (p) => mkdir(p));
    try {
      await rename(from, path);
    } catch (err) {
      await rmdir(path).catch(() => {});
      if (codeOf(err) === 'EXDEV')
        throw new LoupeError('validation', `${from} is a folder on another drive than ${into}; scripts move folders only within one drive.`);
      throw err;
    }
    return verifyCreated(path, checkReal, true);
  }
  if (!info.isFile()) throw new LoupeError('validation', `${from} is not a file or folder.`);
  const { path, made } = await createExclusive(into, name);
  try {
    await made.close();
    await rename(from, path);
  } catch (err) {
    if (codeOf(err) !== 'EXDEV') {
      await unlink(path).catch(() => {});
      throw err;
    }
    await crossDevice(from, path);
  }
  return verifyCreated(path, checkReal);
}

/** The cross-drive half of a move: pour into our placeholder (opened without following links), then remove the source. */
async function crossDevice(from: string, placeholder: string): Promise<void> {
  const src = await openSourceFile(from);
  let dst: FileHandle | null = null;
  try {
    dst = await open(placeholder, constants.O_WRONLY | constants.O_TRUNC | NOFOLLOW);
    await pour(src, dst);
  } catch (err) {
    await dst?.close().catch(() => {});
    await src.close().catch(() => {});
    await unlink(placeholder).catch(() => {});
    throw err;
  }
  await dst.close();
  await src.close();
  await unlink(from);
}

/**
 * `mkdir -p` that never creates anything through a link: one folder at a time, each new
 * one's parent being a real path already checked. (`mkdir({recursive: true})` follows a
 * link on the way and would create folders wherever it leads.) Answers the real path.
 */
export async function makeFolder(path: string, checkReal: CheckReal): Promise<string> {
  const missing: string[] = [];
  let at = path;
  while (
    !(await lstat(at).then(
      () => true,
      () => false,
    ))
  ) {
    const up = dirname(at);
    if (up === at) break;
    missing.unshift(basename(at));
    at = up;
  }
  let real = checkReal(await realpath(at));
  for (const name of missing) {
    try {
      await mkdir(join(real, name));
    } catch (err) {
      if (codeOf(err) !== 'EEXIST') throw err;
    }
    real = checkReal(await realpath(join(real, name)));
  }
  return real;
}

const verifyFolder = makeFolder;

function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? 'file';
}
