import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { CallOutput, HandlerInput, ImportFailure, ImportProgress } from '../../../shared/contract';
import { InvalidCursorError, type DatasetRecord, type ImageRecord, type Store } from '../../store/index';
import { fail } from '../errors';
import type { Emit } from '../events';
import { ImageRejection } from './decode';
import { DatasetGoneError, Ingestor, type ImpliedWork, type PictureDecoder } from './ingest';
import { Importer, MAX_FILE_BYTES } from './importer';
import { LibraryFiles } from './library-files';
import { LabellingService, toLabelCount } from './labelling-service';

export interface UploadFile {
  name: string;
  bytes: Buffer;
  /** Label for this file; falls back to the upload's label. */
  label?: string | null;
}

export interface UploadResult {
  items: Array<{ id: string; hash: string; label: string | null; name: string; duplicate: boolean }>;
  imported: number;
  duplicates: number;
  failed: ImportFailure[];
}

export type ImageDto = CallOutput<'images.get'>;

/**
 * Datasets, labels and images: everything the Library page and the /v1 dataset routes do.
 * One instance per app; both transports and the HTTP API call the same methods.
 */
export class LibraryService {
  readonly files: LibraryFiles;
  readonly importer: Importer;
  /** Labelling actions with undo and redo. */
  readonly labelling: LabellingService;
  private readonly ingestor: Ingestor;
  /** Datasets being deleted: new work for them is refused while their rows and files go. */
  private readonly deleting = new Set<string>();
  /** Uploads in flight per dataset, so a deletion waits for them like for imports. */
  private readonly uploads = new Map<string, Set<Promise<unknown>>>();
  private isClosing = false;

  constructor(
    private readonly store: Store,
    dataDir: string,
    private readonly emit: Emit,
    log: (err: unknown) => void = () => {},
  ) {
    this.files = new LibraryFiles(dataDir);
    // Temporary files of a run that was killed mid-import: found in the background, never the new
    // ones. File times come from the kernel's coarse clock (milliseconds behind Date.now()), so
    // only files older than a minute before now go; a younger leftover goes at the next start.
    this.files.sweepStaging(Date.now() - 60_000).then(
      (n) => n > 0 && log(`Removed ${n} temporary picture file(s) left by an interrupted import.`),
      (err: unknown) => log(err),
    );
    this.ingestor = new Ingestor(store, this.files);
    this.importer = new Importer(this.ingestor, emit, log);
    this.labelling = new LabellingService(
      store,
      emit,
      (files) => this.ingestor.release(files),
      (id) => void this.getDataset(id),
      () => this.ingestor.implied,
    );
  }

  /**
   * Registers the feature that queues the work a change implies (the vision service: embed
   * new pictures, retrain after label changes). Its calls run inside each change's transaction.
   */
  setImpliedWork(work: ImpliedWork): void {
    this.ingestor.implied = work;
  }

  /** Registers (or, with null, removes) where pictures are decoded at import (see PictureDecoder). */
  setPictureDecoder(decoder: PictureDecoder | null): void {
    this.ingestor.decoder = decoder;
  }

  /** Pictures are arriving in the dataset (an upload or an import is under way in this process). */
  isReceiving(datasetId: string): boolean {
    return this.uploads.has(datasetId) || this.importer.isImporting(datasetId);
  }

  listDatasets(): DatasetRecord[] {
    return this.store.datasets.listAll();
  }

  pageDatasets(limit: number, cursor?: string | null) {
    return withCursor(() => this.store.datasets.list({ limit, cursor }));
  }

  createDataset(name: string): DatasetRecord {
    const dataset = this.store.datasets.create(name.trim());
    // Other windows and tabs list datasets too: tell them a new one exists.
    this.emit('dataset.changed', { datasetId: dataset.id, reason: 'created' });
    return dataset;
  }

  hasDataset(id: string): boolean {
    return this.store.datasets.exists(id) && !this.deleting.has(id);
  }

  getDataset(id: string): CallOutput<'datasets.get'> {
    const d = this.store.datasets.detail(id);
    if (!d || this.deleting.has(id)) throw fail.notFound(`No dataset ${id}.`);
    return { ...d, labels: d.labels.map(toLabelCount), activeModelId: this.store.activeModels.activeModelId(id) };
  }

  renameDataset(id: string, name: string): DatasetRecord {
    this.getDataset(id);
    const d = this.store.datasets.rename(id, name.trim())!;
    this.emit('dataset.changed', { datasetId: id, reason: 'renamed' });
    return d;
  }

  /**
   * Deletes a dataset: running imports and uploads into it stop first, then its rows go in
   * one statement (cascade), then library files that no other dataset uses.
   */
  async deleteDataset(id: string): Promise<boolean> {
    if (!this.store.datasets.exists(id) || this.deleting.has(id)) return false;
    this.deleting.add(id);
    try {
      await this.importer.stopDataset(id);
      await Promise.allSettled([...(this.uploads.get(id) ?? [])]);
      const files = this.store.images.filesOfDataset(id);
      this.store.datasets.delete(id);
      await this.ingestor.release(files);
    } finally {
      this.deleting.delete(id);
    }
    this.emit('dataset.changed', { datasetId: id, reason: 'deleted' });
    return true;
  }

  createLabel(datasetId: string, name: string): CallOutput<'labels.create'> {
    this.getDataset(datasetId);
    this.store.labels.ensure(datasetId, name);
    this.emit('dataset.changed', { datasetId, reason: 'labels' });
    return this.labelling.labelCount(datasetId, name);
  }

  listImages(q: HandlerInput<'images.list'>): CallOutput<'images.list'> {
    this.getDataset(q.datasetId);
    const page = withCursor(() =>
      this.store.images.list({
        datasetId: q.datasetId,
        label: q.label,
        unlabeled: q.unlabeled,
        modelId: this.store.models.activeModelId(q.datasetId),
        predicted: q.predicted,
        minConfidence: q.minConfidence,
        maxConfidence: q.maxConfidence,
        agreement: q.agreement,
        nameContains: q.q?.trim() || undefined,
        sort: q.sort,
        limit: q.limit,
        cursor: q.cursor,
      }),
    );
    return { items: page.items.map(toImageDto), nextCursor: page.nextCursor, ...(page.total !== undefined ? { total: page.total } : {}) };
  }

  getImage(id: string): ImageDto {
    const img = this.store.images.get(id);
    if (!img) throw fail.notFound(`No image ${id}.`);
    const modelId = this.store.models.activeModelId(img.datasetId);
    const p = modelId === null ? null : this.store.predictions.get(modelId, id);
    return toImageDto({ ...img, prediction: p && modelId ? { ...p, modelId } : null });
  }

  /** One label (or none) on many images; labels are created as needed; one undo step per dataset. */
  setLabel(ids: readonly string[], label: string | null): number {
    return this.labelling.assign(ids, label).updated;
  }

  /** Deletes pictures (one undo step per dataset); their files stay while an undo may need them. */
  async deleteImages(ids: readonly string[]): Promise<number> {
    return (await this.labelling.deleteImages(ids)).deleted;
  }

  /** The picture's 256 px WebP thumbnail, and the content hash that names it for good (an ETag). */
  async thumbnail(imageId: string): Promise<{ webp: Buffer; hash: string }> {
    const img = this.store.images.get(imageId);
    const webp = img && (this.store.thumbnails.get(img.hash) ?? (await readFile(this.files.legacyThumbnailPath(img.hash)).catch(() => null)));
    if (!img || !webp) throw fail.notFound(`No thumbnail for image ${imageId}.`);
    return { webp, hash: img.hash };
  }

  originalPath(imageId: string): { path: string; ext: string } {
    const img = this.store.images.get(imageId);
    const path = img && this.files.filePath(img.hash, img.ext);
    if (!img || !path || !existsSync(path)) throw fail.notFound(`No image ${imageId}.`);
    return { path, ext: img.ext };
  }

  startImport(req: HandlerInput<'imports.start'>, importId?: string): ImportProgress {
    this.getDataset(req.datasetId);
    return this.importer.start(req, importId);
  }

  getImport(importId: string): ImportProgress {
    const p = this.importer.get(importId);
    if (!p) throw fail.notFound(`No import ${importId}.`);
    return p;
  }

  async cancelImport(importId: string): Promise<ImportProgress> {
    const p = await this.importer.cancel(importId);
    if (!p) throw fail.notFound(`No import ${importId}.`);
    return p;
  }

  /**
   * Stores uploaded bytes (the browser shell's drop, or `POST /v1/datasets/:id/images`).
   * Bad files are listed and skipped; the rest are stored.
   */
  async upload(datasetId: string, files: readonly UploadFile[], label: string | null = null): Promise<UploadResult> {
    this.getDataset(datasetId);
    // Labels first, in the order the files name them: the pictures land concurrently, and
    // the shortcuts follow creation order.
    this.ingestor.ensureLabels(
      datasetId,
      files.map((f) => f.label ?? label),
      true,
    );
    const work = this.runUpload(datasetId, files, label);
    const set = this.uploads.get(datasetId) ?? new Set();
    set.add(work);
    this.uploads.set(datasetId, set);
    try {
      return await work;
    } finally {
      set.delete(work);
      if (set.size === 0) this.uploads.delete(datasetId);
    }
  }

  private async runUpload(datasetId: string, files: readonly UploadFile[], label: string | null): Promise<UploadResult> {
    const result: UploadResult = { items: [], imported: 0, duplicates: 0, failed: [] };
    // Answers list files in the order they were sent, whatever order they finish in.
    const slots: Array<UploadResult['items'][number] | undefined> = new Array(files.length);
    // Pictures land in the order they decode; their labels are made in the order sent, so
    // the digit shortcuts (which follow creation order) do not depend on decoding speed.
    const names = [...new Set(files.map((f) => f.label ?? label).filter((n): n is string => n !== null))];
    if (names.length > 0 && !this.deleting.has(datasetId)) {
      this.store.transaction(() => {
        for (const n of names) this.store.labels.ensure(datasetId, n);
      });
    }
    await Promise.all(
      files.map(async (f, index) => {
        if (this.deleting.has(datasetId)) return;
        if (f.bytes.length > MAX_FILE_BYTES) {
          result.failed.push({ name: f.name, code: 'too_large', message: 'The file is larger than 50 MiB.' });
          return;
        }
        try {
          const r = await this.ingestor.ingest({ datasetId, bytes: f.bytes, fileName: f.name, label: f.label ?? label });
          slots[index] = { id: r.image.id, hash: r.image.hash, label: r.image.label, name: f.name, duplicate: r.status === 'duplicate' };
          if (r.status === 'imported') result.imported++;
          else result.duplicates++;
        } catch (err) {
          if (err instanceof DatasetGoneError) return;
          if (err instanceof ImageRejection) result.failed.push({ name: f.name, code: err.code, message: err.message });
          else throw err;
        }
      }),
    );
    for (const item of slots) if (item) result.items.push(item);
    if (this.deleting.has(datasetId) || !this.store.datasets.exists(datasetId)) throw fail.notFound(`Dataset ${datasetId} was deleted.`);
    if (result.imported > 0) this.emit('dataset.changed', { datasetId, reason: 'images-added' });
    return result;
  }

  /** True once the app is shutting down: running imports stop and will run again at the next start. */
  get closing(): boolean {
    return this.isClosing;
  }

  async close(): Promise<void> {
    this.isClosing = true;
    await this.importer.stopAll();
  }
}

export function toImageDto(img: ImageRecord): ImageDto {
  return {
    id: img.id,
    datasetId: img.datasetId,
    hash: img.hash,
    label: img.label,
    width: img.width,
    height: img.height,
    fileName: img.fileName,
    prediction: img.prediction,
  };
}

function withCursor<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InvalidCursorError) throw fail.validation(err.message, 'cursor');
    throw err;
  }
}
