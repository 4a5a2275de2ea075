import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The content-addressed picture library: `library/ab/abcdef….ext` named by the SHA-256 of
 * the bytes. The same bytes are stored once, whatever the number of datasets that hold them.
 * Thumbnails live in the database (store/thumbnails.ts); libraries written before that keep
 * an `abcdef….thumb.webp` beside the picture, read and removed here.
 */
export class LibraryFiles {
  readonly root: string;
  /** Shard folders known to exist. */
  private readonly shards = new Set<string>();

  constructor(dataDir: string) {
    this.root = join(dataDir, 'library');
  }

  static hash(bytes: Buffer): string {
    return createHash('sha256').update(bytes).digest('hex');
  }

  filePath(hash: string, ext: string): string {
    return join(this.root, hash.slice(0, 2), `${hash}.${ext}`);
  }

  /** Where a library written before migration 022 keeps the thumbnail of `hash`. */
  legacyThumbnailPath(hash: string): string {
    return join(this.root, hash.slice(0, 2), `${hash}.thumb.webp`);
  }

  has(hash: string, ext: string): boolean {
    return existsSync(this.filePath(hash, ext));
  }

  /** Writes the picture; it appears whole or not at all (temp file + rename). */
  async put(hash: string, ext: string, bytes: Buffer): Promise<void> {
    this.shard(hash);
    try {
      await atomicWrite(this.filePath(hash, ext), bytes);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.shard(hash, true);
      await atomicWrite(this.filePath(hash, ext), bytes);
    }
  }

  /**
   * 256 shard folders: made once per process, not one mkdir per picture (and again if something
   * removed one meanwhile: the write then fails with ENOENT). mkdir is one quick call on our own
   * folder: done in place, not handed to a thread.
   */
  private shard(hash: string, again = false): void {
    const shard = hash.slice(0, 2);
    if (again || !this.shards.has(shard)) {
      mkdirSync(join(this.root, shard), { recursive: true });
      this.shards.add(shard);
    }
  }

  /**
   * Writes a picture's bytes under a temporary name beside where it belongs, before it is
   * checked: the inference process then reads them from there rather than through its pipe.
   * adopt() moves the file into place, discard() removes it.
   */
  stage(hash: string, ext: string, bytes: Buffer): string {
    this.shard(hash);
    const tmp = `${this.filePath(hash, ext)}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      writeFileSync(tmp, bytes);
    } catch (err) {
      rmSync(tmp, { force: true });
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.shard(hash, true);
      writeFileSync(tmp, bytes);
    }
    return tmp;
  }

  /** Moves a staged file into place (the caller holds the hash's lock). */
  adopt(staged: string, hash: string, ext: string): void {
    renameSync(staged, this.filePath(hash, ext));
  }

  discard(staged: string): void {
    rmSync(staged, { force: true });
  }

  /**
   * Removes temporary files that a process killed mid-write left in the library (a staged
   * picture waits there while it is checked), those older than `before` (ms since the epoch):
   * younger ones may be this process's own writes in flight. Answers how many went.
   */
  async sweepTemporary(before: number): Promise<number> {
    const shards = await readdir(this.root).catch(() => [] as string[]);
    let removed = 0;
    for (const shard of shards) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      const names = await readdir(join(this.root, shard)).catch(() => [] as string[]);
      for (const name of names) {
        if (!TEMPORARY.test(name)) continue;
        const path = join(this.root, shard, name);
        const info = await stat(path).catch(() => null);
        if (info && info.mtimeMs < before) {
          await rm(path, { force: true });
          removed++;
        }
      }
    }
    return removed;
  }

  /** Removes the picture and, in an older library, its thumbnail file. */
  async remove(hash: string, ext: string): Promise<void> {
    await rm(this.filePath(hash, ext), { force: true });
    await rm(this.legacyThumbnailPath(hash), { force: true });
  }
}

/** `<sha-256>.<ext>.<12 hex>.tmp`: what stage() and atomicWrite() name a file before it is whole. */
const TEMPORARY = /^[0-9a-f]{64}\.[a-z0-9.]+\.[0-9a-f]{12}\.tmp$/;

/**
 * Files up to this size are written in place. Each call handed to libuv's pool costs two
 * thread hand-offs, more CPU than writing a few hundred KiB into the page cache (measured: an
 * import of 28×28 PNGs spent about twice the CPU on its async writes), and a write this small
 * holds the event loop for well under a millisecond. Bigger files still go to the pool.
 */
const WRITE_IN_PLACE_BYTES = 1 << 20;

async function atomicWrite(path: string, bytes: Buffer): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  if (bytes.length <= WRITE_IN_PLACE_BYTES) {
    try {
      writeFileSync(tmp, bytes);
      renameSync(tmp, path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    return;
  }
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
