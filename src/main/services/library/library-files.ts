import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The content-addressed picture library: `library/ab/abcdef….ext` named by the SHA-256
 * of the bytes, with `abcdef….thumb.webp` beside it. The same bytes are stored once,
 * whatever the number of datasets that hold them.
 */
export class LibraryFiles {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'library');
  }

  static hash(bytes: Buffer): string {
    return createHash('sha256').update(bytes).digest('hex');
  }

  filePath(hash: string, ext: string): string {
    return join(this.root, hash.slice(0, 2), `${hash}.${ext}`);
  }

  thumbnailPath(hash: string): string {
    return join(this.root, hash.slice(0, 2), `${hash}.thumb.webp`);
  }

  has(hash: string, ext: string): boolean {
    return existsSync(this.filePath(hash, ext)) && existsSync(this.thumbnailPath(hash));
  }

  /** Writes the picture and its thumbnail; each appears whole or not at all (temp file + rename). */
  async put(hash: string, ext: string, bytes: Buffer, thumbnail: Buffer): Promise<void> {
    await mkdir(join(this.root, hash.slice(0, 2)), { recursive: true });
    await atomicWrite(this.filePath(hash, ext), bytes);
    await atomicWrite(this.thumbnailPath(hash), thumbnail);
  }

  async remove(hash: string, ext: string): Promise<void> {
    await rm(this.filePath(hash, ext), { force: true });
    await rm(this.thumbnailPath(hash), { force: true });
  }
}

async function atomicWrite(path: string, bytes: Buffer): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
