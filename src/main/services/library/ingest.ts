import type { ImageRecord, StoredFile, Store } from '../../store/index';
import { KeyedLock, Semaphore } from '../concurrency';
import { decodeImage, type DecodedImage } from './decode';
import { LibraryFiles } from './library-files';

export interface IngestInput {
  datasetId: string;
  bytes: Buffer;
  fileName: string;
  label: string | null;
}

export type IngestResult = { status: 'imported' | 'duplicate'; image: ImageRecord };

/** The dataset vanished while a picture was on its way in (deleted mid-import). */
export class DatasetGoneError extends Error {
  constructor(readonly datasetId: string) {
    super(`Dataset ${datasetId} was deleted.`);
    this.name = 'DatasetGoneError';
  }
}

/**
 * Takes one picture into the library and a dataset. Writing a library file and inserting
 * its row happen under the hash's lock, and so does garbage collection, so a file is
 * never deleted while a row for it is being added, and never left without a row.
 */
export class Ingestor {
  constructor(
    private readonly store: Store,
    readonly files: LibraryFiles,
    /** Bounds sharp work across every import and upload (two cores). */
    private readonly cpu: Semaphore = new Semaphore(2),
    private readonly locks: KeyedLock = new KeyedLock(),
  ) {}

  async ingest(input: IngestInput): Promise<IngestResult> {
    const hash = LibraryFiles.hash(input.bytes);
    const known = this.knownDimensions(hash);
    // Decoding is the expensive part: skip it when the library already holds the picture.
    let decoded: DecodedImage | null = known ? null : await this.cpu.run(() => decodeImage(input.bytes));
    return this.locks.run(hash, async () => {
      const ext = decoded?.ext ?? known!.ext;
      if (!this.files.has(hash, ext)) {
        decoded ??= await this.cpu.run(() => decodeImage(input.bytes));
        await this.files.put(hash, decoded.ext, input.bytes, decoded.thumbnail);
      }
      const dims = decoded ?? known!;
      try {
        return this.store.transaction(() => {
          if (!this.store.datasets.exists(input.datasetId)) throw new DatasetGoneError(input.datasetId);
          const labelId = input.label === null ? null : this.store.labels.ensure(input.datasetId, input.label);
          const { image, inserted } = this.store.images.insert({
            datasetId: input.datasetId,
            hash,
            ext: dims.ext,
            fileName: input.fileName,
            labelId,
            width: dims.width,
            height: dims.height,
          });
          return { status: inserted ? 'imported' : 'duplicate', image } as IngestResult;
        });
      } catch (err) {
        // The row never landed: a file nobody references must not stay behind.
        if (!this.store.images.isHashUsed(hash)) await this.files.remove(hash, dims.ext);
        throw err;
      }
    });
  }

  /** Creates these labels (those the dataset lacks), in natural name order or (`asGiven`) in the order given. */
  ensureLabels(datasetId: string, names: ReadonlyArray<string | null>, asGiven = false): void {
    const unique = [...new Set(names.filter((n): n is string => n !== null))];
    if (!asGiven) unique.sort((a, b) => a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' }));
    this.store.transaction(() => {
      if (!this.store.datasets.exists(datasetId)) return;
      for (const n of unique) this.store.labels.ensure(datasetId, n);
    });
  }

  /** Deletes the library files that no image row references any more. */
  async release(files: readonly StoredFile[]): Promise<void> {
    const seen = new Set<string>();
    for (const f of files) {
      if (seen.has(f.hash)) continue;
      seen.add(f.hash);
      await this.locks.run(f.hash, async () => {
        if (!this.store.images.isHashUsed(f.hash)) await this.files.remove(f.hash, f.ext);
      });
    }
  }

  private knownDimensions(hash: string): { ext: string; width: number; height: number } | null {
    const row = this.store.db.prepare('SELECT ext, width, height FROM images WHERE hash = ? LIMIT 1').get(hash) as
      | { ext: string; width: number; height: number }
      | undefined;
    return row && this.files.has(hash, row.ext) ? row : null;
  }
}
