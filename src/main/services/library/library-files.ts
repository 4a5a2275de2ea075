import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The content-addressed picture library: `library/ab/abcdef….ext` named by the SHA-256 of
 * the bytes. The same bytes are stored once, whatever the number of datasets that hold them.
 * A picture is written whole into `library/.staging/` first and renamed into place, so it
 * appears whole or not at all, and what a killed process left half-written is in one folder.
 * Thumbnails live in the database (store/thumbnails.ts); libraries written before that keep
 * an `abcdef….thumb.webp` beside the picture, read and removed here.
 */
export class LibraryFiles {
  readonly root: string;
  private readonly staging: string;
  /** Folders (shards and staging) known to exist. */
  private readonly made = new Set<string>();

  constructor(dataDir: string) {
    this.root = join(dataDir, 'library');
    this.staging = join(this.root, '.staging');
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

  /** Writes the picture; it appears whole or not at all. */
  async put(hash: string, ext: string, bytes: Buffer): Promise<void> {
    if (bytes.length <= WRITE_IN_PLACE_BYTES) return this.adopt(this.stage(bytes), hash, ext);
    const tmp = this.stagingName();
    try {
      await writeFile(tmp, bytes);
      this.adopt(tmp, hash, ext);
    } catch (err) {
      this.discard(tmp);
      throw err;
    }
  }

  /**
   * Writes bytes whole into the staging folder and answers the file's path: the inference
   * process reads a picture from there while it checks it, rather than through its pipe.
   * adopt() moves the file into the library, discard() removes it.
   */
  stage(bytes: Buffer): string {
    const tmp = this.stagingName();
    try {
      writeFileSync(tmp, bytes);
    } catch (err) {
      this.discard(tmp);
      throw err;
    }
    return tmp;
  }

  /** Moves a staged file to the library path of `hash` (the caller holds the hash's lock). */
  adopt(staged: string, hash: string, ext: string): void {
    const shard = join(this.root, hash.slice(0, 2));
    this.folder(shard);
    try {
      renameSync(staged, this.filePath(hash, ext));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !existsSync(staged)) throw err;
      this.folder(shard, true);
      renameSync(staged, this.filePath(hash, ext));
    }
  }

  discard(staged: string): void {
    rmSync(staged, { force: true });
  }

  /**
   * Removes what a process killed mid-write left in the staging folder: files older than
   * `before` (ms since the epoch), since younger ones may be this process's writes in flight.
   * Answers how many went.
   */
  async sweepStaging(before: number): Promise<number> {
    const names = await readdir(this.staging).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names) {
      const path = join(this.staging, name);
      const info = await stat(path).catch(() => null);
      if (info?.isFile() && info.mtimeMs < before) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }

  /** Removes the picture and, in an older library, its thumbnail file. */
  async remove(hash: string, ext: string): Promise<void> {
    await rm(this.filePath(hash, ext), { force: true });
    await rm(this.legacyThumbnailPath(hash), { force: true });
  }

  private stagingName(): string {
    this.folder(this.staging);
    return join(this.staging, `${randomBytes(8).toString('hex')}.tmp`);
  }

  /**
   * Makes a folder once per process, not once per picture (and again when asked: something
   * removed it meanwhile). mkdir is one quick call on our own folder: done in place.
   */
  private folder(path: string, again = false): void {
    if (again || !this.made.has(path)) {
      mkdirSync(path, { recursive: true });
      this.made.add(path);
    }
  }
}

/**
 * Files up to this size are written in place. Each call handed to libuv's pool costs two
 * thread hand-offs, more CPU than writing a few hundred KiB into the page cache (measured: an
 * import of 28×28 PNGs spent about twice the CPU on its async writes), and a write this small
 * holds the event loop for well under a millisecond. Bigger files still go to the pool.
 */
const WRITE_IN_PLACE_BYTES = 1 << 20;
