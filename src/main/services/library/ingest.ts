import { existsSync } from 'node:fs';
import type { ImageRecord, StoredFile, Store } from '../../store/index';
import { KeyedLock, Semaphore } from '../concurrency';
import { decodeImage, extensionOf, inspectImage, sniffExtension, THUMBNAIL_SIZE, type DecodedImage } from './decode';
import { LibraryFiles } from './library-files';

export interface IngestInput {
  datasetId: string;
  bytes: Buffer;
  /** The SHA-256 of `bytes` in hex, when the reader computed it already (read-ahead.ts). */
  hash?: string;
  fileName: string;
  label: string | null;
}

export type IngestResult = { status: 'imported' | 'duplicate'; image: ImageRecord };

/**
 * The work a change of pictures or labels implies (embedding, retraining), queued by the
 * feature that does it. Each method runs INSIDE the transaction that makes the change, so
 * the change and its follow-up work commit together or not at all: a crash cannot keep
 * one without the other.
 */
export interface ImpliedWork {
  /** New pictures landed in the dataset. */
  picturesStored(datasetId: string): void;
  /** The dataset's labelled set changed (its labels_version was bumped in this transaction). */
  labelsChanged(datasetId: string): void;
}

/**
 * Decodes a picture where it will be decoded again for its embedding (the inference process),
 * checking it as strictly as decodeImage, and answers its thumbnail (`side` px at most, WebP,
 * EXIF rotation applied) with what its header said; the decoded pixels stay there for the
 * embedding of the library file at `path`, so a picture is decoded once from import to
 * embedding. Throws when it cannot (a damaged picture, no inference process): the library then
 * decodes the picture itself, which refuses or accepts it exactly as without a decoder.
 */
export type PictureDecoder = (input: Buffer | { staged: string }, path: string, side: number) => Promise<DecodedElsewhere>;

/**
 * Pictures at least this big reach the decoder as a staged library file rather than as bytes:
 * the file is written anyway, and a pipe costs about 1 CPU ms per 300 KiB (both ends).
 */
const STAGE_FROM_BYTES = 64 * 1024;

export interface DecodedElsewhere {
  thumbnail: Buffer;
  /** sharp's format name (jpeg, png, …). */
  format: string;
  /** Upright size. */
  width: number;
  height: number;
}

type Dimensions = { ext: string; width: number; height: number };

/** A checked picture, and where its bytes wait to become the library's copy (a staged file), if anywhere yet. */
type Decoded = DecodedImage & { staged?: string };

/** Until a feature registers, changes imply nothing (the library alone, in tests). */
export const NO_IMPLIED_WORK: ImpliedWork = { picturesStored: () => {}, labelsChanged: () => {} };

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

  /** Set by the app once the feature that does the implied work exists. */
  implied: ImpliedWork = NO_IMPLIED_WORK;
  /** Set by the vision feature while its inference process can decode for the library (see PictureDecoder). */
  decoder: PictureDecoder | null = null;

  async ingest(input: IngestInput): Promise<IngestResult> {
    const hash = input.hash ?? LibraryFiles.hash(input.bytes);
    const known = this.knownDimensions(hash);
    // Decoding is the expensive part: skip it when the library already holds the picture.
    const work: { decoded: Decoded | null } = { decoded: known ? null : await this.cpu.run(() => this.decode(input.bytes, hash)) };
    try {
      return await this.locks.run(hash, () => this.keep(input, hash, known, work));
    } finally {
      // A staged file that did not become the library's copy (it was there already, or the row failed).
      if (work.decoded?.staged) this.files.discard(work.decoded.staged);
    }
  }

  /** Under the hash's lock: the file and thumbnail if the library lacks them, then the rows in one transaction. */
  private async keep(input: IngestInput, hash: string, known: Dimensions | null, work: { decoded: Decoded | null }): Promise<IngestResult> {
    let thumbnail: Buffer | null = null;
    // The same bytes have the same extension, whether decoded now or known from a row.
    const ext = work.decoded?.ext ?? known!.ext;
    const fileThere = this.files.has(hash, ext);
    if (!fileThere || !this.hasThumbnail(hash)) {
      const decoded = (work.decoded ??= await this.cpu.run(() => this.decode(input.bytes, hash)));
      if (fileThere) {
        // The file is there (an older library's, or a row that failed after it): keep it.
      } else if (decoded.staged) {
        this.files.adopt(decoded.staged, hash, ext);
        decoded.staged = undefined;
      } else {
        await this.files.put(hash, ext, input.bytes);
      }
      // The thumbnail row commits with the image row below.
      thumbnail = decoded.thumbnail;
    }
    const dims = work.decoded ?? known!;
    try {
      return this.store.transaction(() => {
        if (thumbnail) this.store.thumbnails.put(hash, thumbnail);
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
        if (inserted) {
          if (labelId !== null) {
            this.store.datasets.bumpLabelsVersion(input.datasetId);
            this.implied.labelsChanged(input.datasetId);
          }
          this.implied.picturesStored(input.datasetId);
        }
        return { status: inserted ? 'imported' : 'duplicate', image } as IngestResult;
      });
    } catch (err) {
      // The row never landed: a file nobody references must not stay behind.
      if (!this.store.images.isHashUsed(hash)) await this.forget(hash, dims.ext);
      throw err;
    }
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
        if (!this.store.images.isHashUsed(f.hash)) await this.forget(f.hash, f.ext);
      });
    }
  }

  /**
   * Checks the picture and makes its thumbnail: in the inference process when one is there, so
   * the decode also serves the embedding that follows; here otherwise, or when it could not.
   */
  private async decode(bytes: Buffer, hash: string): Promise<Decoded> {
    const decoder = this.decoder;
    if (decoder) {
      // The signature names the file, and the decoder's header confirms it: one parse of the
      // header instead of two. A picture whose signature says nothing is inspected here first.
      const sniffed = sniffExtension(bytes);
      const ext = sniffed ?? (await inspectImage(bytes)).ext;
      const staged = bytes.length >= STAGE_FROM_BYTES ? this.files.stage(bytes) : undefined;
      try {
        const d = await decoder(staged ? { staged } : bytes, this.files.filePath(hash, ext), THUMBNAIL_SIZE);
        if (extensionOf(d.format) === ext) return { ext, width: d.width, height: d.height, thumbnail: d.thumbnail, staged };
      } catch {
        // Damaged, or no inference process: decodeImage refuses or accepts it as it always did.
      }
      if (staged) this.files.discard(staged);
    }
    return decodeImage(bytes);
  }

  private knownDimensions(hash: string): Dimensions | null {
    const row = this.store.images.knownFile(hash);
    return row && this.files.has(hash, row.ext) && this.hasThumbnail(hash) ? row : null;
  }

  /** A row, or a file in a library from before migration 022. */
  private hasThumbnail(hash: string): boolean {
    return this.store.thumbnails.has(hash) || existsSync(this.files.legacyThumbnailPath(hash));
  }

  /** Removes what the library holds for a hash no row uses any more (called under the hash's lock). */
  private async forget(hash: string, ext: string): Promise<void> {
    this.store.thumbnails.remove(hash);
    await this.files.remove(hash, ext);
  }
}
