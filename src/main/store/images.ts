import type { Database } from 'better-sqlite3';
import { decodeCursor, decodeKeyCursor, encodeCursor, encodeKeyCursor, InvalidCursorError, nowIso, toId, toRowId } from './ids';
import type { PageOf } from './datasets';

export interface ImageRecord {
  id: string;
  datasetId: string;
  hash: string;
  ext: string;
  fileName: string;
  label: string | null;
  width: number;
  height: number;
  createdAt: string;
  /** The prediction of the model the query named (ImageQuery.modelId); null when none was asked or made. */
  prediction: { label: string; confidence: number; modelId: string } | null;
}

export type ImageSort = 'added' | 'name' | 'confidence' | '-confidence';

export interface NewImage {
  datasetId: string;
  hash: string;
  ext: string;
  fileName: string;
  labelId: number | null;
  width: number;
  height: number;
}

export interface ImageQuery {
  datasetId: string;
  /** Only images with this label (by name). A label the dataset lacks gives an empty page. */
  label?: string;
  unlabeled?: boolean;
  /** Joins this model's predictions: each item's `prediction`, and the filters and sorts below. */
  modelId?: string | null;
  /** Only pictures the model predicts as this label. */
  predicted?: string;
  minConfidence?: number;
  maxConfidence?: number;
  /** Only labelled pictures whose label the model's guess matches ('agrees') or not ('disagrees'). */
  agreement?: 'agrees' | 'disagrees';
  /** Only pictures whose file name contains this text (ASCII letters in any case). */
  nameContains?: string;
  /** 'added' (default, import order), 'name', 'confidence' (least sure first), '-confidence'. */
  sort?: ImageSort;
  limit: number;
  cursor?: string | null;
}

/** What the pipeline and training need of each picture, in import (id) order. */
export interface DatasetImageRecord {
  id: string;
  hash: string;
  ext: string;
  label: string | null;
  width: number;
  height: number;
  /** The model whose guess a person accepted as this label (migration 021); null: given by a person, folder or script. */
  acceptedFrom: string | null;
}

export interface StoredFile {
  hash: string;
  ext: string;
}

interface Row {
  id: number;
  dataset_id: number;
  hash: string;
  ext: string;
  file_name: string;
  label: string | null;
  width: number;
  height: number;
  created_at: string;
  p_label?: string | null;
  p_confidence?: number | null;
}

const SELECT = `SELECT i.id, i.dataset_id, i.hash, i.ext, i.file_name, l.name AS label, i.width, i.height, i.created_at
  FROM images i LEFT JOIN labels l ON l.id = i.label_id`;

/** As SELECT, with one model's prediction of each picture (the model id is the first parameter). */
const SELECT_PREDICTED = `SELECT i.id, i.dataset_id, i.hash, i.ext, i.file_name, l.name AS label, i.width, i.height, i.created_at,
  p.label AS p_label, p.confidence AS p_confidence
  FROM images i LEFT JOIN labels l ON l.id = i.label_id LEFT JOIN predictions p ON p.model_id = ? AND p.image_id = i.id`;

/** The sort key of each order; a picture not predicted yet sorts as confidence -1 (first when ascending). */
const SORT_KEY: Record<ImageSort, string> = {
  added: 'i.id',
  name: 'i.file_name',
  confidence: 'coalesce(p.confidence, -1)',
  '-confidence': 'coalesce(p.confidence, -1)',
};

function toRecord(r: Row, modelId: string | null = null): ImageRecord {
  return {
    prediction: modelId !== null && r.p_label !== null && r.p_label !== undefined ? { label: r.p_label, confidence: r.p_confidence ?? 0, modelId } : null,
    id: toId(r.id),
    datasetId: toId(r.dataset_id),
    hash: r.hash,
    ext: r.ext,
    fileName: r.file_name,
    label: r.label,
    width: r.width,
    height: r.height,
    createdAt: r.created_at,
  };
}

function rowIds(ids: readonly string[]): number[] {
  const out: number[] = [];
  for (const id of ids) {
    const n = toRowId(id);
    if (n !== null) out.push(n);
  }
  return out;
}

/** SQLite caps bound parameters; long id lists are processed in chunks of this size. */
const CHUNK = 500;

export class ImageRepository {
  constructor(private readonly db: Database) {}

  /**
   * Adds a picture to a dataset unless the dataset already holds the same bytes; in that
   * case the existing row is returned with `inserted: false` (the same picture once).
   */
  insert(img: NewImage): { image: ImageRecord; inserted: boolean } {
    const ds = toRowId(img.datasetId);
    if (ds === null) throw new Error(`No dataset ${img.datasetId}.`);
    const info = this.db
      .prepare(
        `INSERT INTO images (dataset_id, hash, ext, file_name, label_id, width, height, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dataset_id, hash) DO NOTHING`,
      )
      .run(ds, img.hash, img.ext, img.fileName, img.labelId, img.width, img.height, nowIso());
    const row = this.db.prepare(`${SELECT} WHERE i.dataset_id = ? AND i.hash = ?`).get(ds, img.hash) as Row;
    return { image: toRecord(row), inserted: info.changes > 0 };
  }

  get(id: string): ImageRecord | null {
    const rowId = toRowId(id);
    if (rowId === null) return null;
    const row = this.db.prepare(`${SELECT} WHERE i.id = ?`).get(rowId) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  list(q: ImageQuery): PageOf<ImageRecord> & { total?: number } {
    const ds = toRowId(q.datasetId);
    if (ds === null) return { items: [], nextCursor: null, total: 0 };
    const sort = q.sort ?? 'added';
    const modelId = q.modelId ?? null;
    const model = modelId === null ? null : toRowId(modelId);
    const predictedOnly = q.predicted !== undefined || q.minConfidence !== undefined || q.maxConfidence !== undefined || q.agreement !== undefined;
    // Filters on predictions with no active model match nothing; sorting by confidence without one is by id.
    if (predictedOnly && model === null) return { items: [], nextCursor: null, total: q.cursor ? undefined : 0 };
    const where = ['i.dataset_id = ?'];
    const args: Array<string | number> = [];
    if (model !== null) args.push(model);
    args.push(ds);
    if (q.unlabeled) where.push('i.label_id IS NULL');
    else if (q.label !== undefined) {
      // By label id, so the (dataset_id, label_id, id) index serves the page directly.
      const label = this.db.prepare('SELECT id FROM labels WHERE dataset_id = ? AND name = ?').get(ds, q.label) as { id: number } | undefined;
      if (!label) return { items: [], nextCursor: null, total: q.cursor ? undefined : 0 };
      where.push('i.label_id = ?');
      args.push(label.id);
    }
    if (q.predicted !== undefined) {
      where.push('p.label = ?');
      args.push(q.predicted);
    }
    if (q.minConfidence !== undefined) {
      where.push('p.confidence >= ?');
      args.push(q.minConfidence);
    }
    if (q.maxConfidence !== undefined) {
      where.push('p.confidence <= ?');
      args.push(q.maxConfidence);
    }
    if (q.agreement === 'agrees') where.push('i.label_id IS NOT NULL AND p.label = l.name');
    else if (q.agreement === 'disagrees') where.push('i.label_id IS NOT NULL AND p.label IS NOT NULL AND p.label <> l.name');
    if (q.nameContains) {
      // LIKE with its wildcards escaped, so a name with % or _ is searched for as typed.
      where.push("i.file_name LIKE ? ESCAPE '\\'");
      args.push(`%${q.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    // How many match in all, counted once, on the first page (before the cursor narrows the rows).
    const from = model === null ? SELECT : SELECT_PREDICTED;
    const total = q.cursor ? undefined : (this.db.prepare(`SELECT count(*) AS n FROM (${from} WHERE ${where.join(' AND ')})`).get(...args) as { n: number }).n;
    const key = model === null && sort !== 'name' ? 'i.id' : SORT_KEY[sort];
    const desc = sort === '-confidence' && model !== null;
    if (q.cursor) {
      if (key === 'i.id') {
        const c = decodeCursor(q.cursor);
        if (c === null) throw new InvalidCursorError();
        where.push('i.id > ?');
        args.push(c);
      } else {
        const c = decodeKeyCursor(q.cursor);
        if (c === null) throw new InvalidCursorError();
        where.push(desc ? `(${key} < ? OR (${key} = ? AND i.id > ?))` : `(${key} > ? OR (${key} = ? AND i.id > ?))`);
        args.push(c.key, c.key, c.id);
      }
    }
    args.push(q.limit + 1);
    const order = key === 'i.id' ? 'i.id' : `${key}${desc ? ' DESC' : ''}, i.id`;
    const rows = this.db.prepare(`${from} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`).all(...args) as Row[];
    const more = rows.length > q.limit;
    const kept = more ? rows.slice(0, q.limit) : rows;
    const items = kept.map((r) => toRecord(r, model === null ? null : modelId));
    let nextCursor: string | null = null;
    if (more) {
      const last = kept[kept.length - 1];
      nextCursor = key === 'i.id' ? encodeCursor(last.id) : encodeKeyCursor(key === 'i.file_name' ? last.file_name : (last.p_confidence ?? -1), last.id);
    }
    return { items, nextCursor, total };
  }

  /** Every picture of a dataset in one query (training and selection need the whole set). */
  ofDataset(datasetId: string, only: 'all' | 'labelled' | 'unlabelled' = 'all'): DatasetImageRecord[] {
    const ds = toRowId(datasetId);
    if (ds === null) return [];
    const filter = only === 'labelled' ? ' AND i.label_id IS NOT NULL' : only === 'unlabelled' ? ' AND i.label_id IS NULL' : '';
    const rows = this.db
      .prepare(
        `SELECT i.id, i.hash, i.ext, l.name AS label, i.width, i.height, i.accepted_from
         FROM images i LEFT JOIN labels l ON l.id = i.label_id
         WHERE i.dataset_id = ?${filter} ORDER BY i.id`,
      )
      .all(ds) as Array<{ id: number; hash: string; ext: string; label: string | null; width: number; height: number; accepted_from: number | null }>;
    return rows.map(({ accepted_from, ...r }) => ({ ...r, id: String(r.id), acceptedFrom: accepted_from === null ? null : toId(accepted_from) }));
  }

  /** The stored type and size of a picture's bytes, when any dataset holds them. */
  knownFile(hash: string): { ext: string; width: number; height: number } | null {
    return (
      (this.db.prepare('SELECT ext, width, height FROM images WHERE hash = ? LIMIT 1').get(hash) as
        { ext: string; width: number; height: number } | undefined) ?? null
    );
  }

  /** The datasets that own these images (for change events and per-dataset label lookup). */
  datasetsOf(ids: readonly string[]): Map<string, string[]> {
    const byDataset = new Map<string, string[]>();
    const all = rowIds(ids);
    for (let i = 0; i < all.length; i += CHUNK) {
      const part = all.slice(i, i + CHUNK);
      const rows = this.db.prepare(`SELECT id, dataset_id FROM images WHERE id IN (${part.map(() => '?').join(',')})`).all(...part) as Array<{
        id: number;
        dataset_id: number;
      }>;
      for (const r of rows) {
        const key = toId(r.dataset_id);
        const list = byDataset.get(key) ?? [];
        list.push(toId(r.id));
        byDataset.set(key, list);
      }
    }
    return byDataset;
  }

  /**
   * Sets one label row (or none) on images of one dataset, and where it came from: the model
   * whose guess was accepted, or null (a person's own label). Returns how many changed.
   */
  setLabel(datasetId: string, ids: readonly string[], labelId: number | null, acceptedFrom: string | null = null): number {
    const ds = toRowId(datasetId);
    if (ds === null) return 0;
    const all = rowIds(ids);
    let changed = 0;
    for (let i = 0; i < all.length; i += CHUNK) {
      const part = all.slice(i, i + CHUNK);
      changed += this.db
        .prepare(`UPDATE images SET label_id = ?, accepted_from = ? WHERE dataset_id = ? AND id IN (${part.map(() => '?').join(',')})`)
        .run(labelId, acceptedFrom === null ? null : toRowId(acceptedFrom), ds, ...part).changes;
    }
    return changed;
  }

  /** The model whose accepted guess each picture's label is (migration 021); pictures labelled otherwise are absent. */
  acceptedFrom(ids: readonly string[]): Map<string, string> {
    const all = rowIds(ids);
    const out = new Map<string, string>();
    for (let i = 0; i < all.length; i += CHUNK) {
      const part = all.slice(i, i + CHUNK);
      const rows = this.db
        .prepare(`SELECT id, accepted_from FROM images WHERE accepted_from IS NOT NULL AND id IN (${part.map(() => '?').join(',')})`)
        .all(...part) as Array<{ id: number; accepted_from: number }>;
      for (const r of rows) out.set(toId(r.id), toId(r.accepted_from));
    }
    return out;
  }

  /** The images with these ids (those that exist), in id order. */
  getMany(ids: readonly string[]): ImageRecord[] {
    const all = rowIds(ids);
    const out: ImageRecord[] = [];
    for (let i = 0; i < all.length; i += CHUNK) {
      const part = all.slice(i, i + CHUNK);
      out.push(...(this.db.prepare(`${SELECT} WHERE i.id IN (${part.map(() => '?').join(',')})`).all(...part) as Row[]).map((r) => toRecord(r)));
    }
    return out.sort((a, b) => Number(a.id) - Number(b.id));
  }

  /**
   * Puts deleted images back with their old ids (undo). Ids are never handed out twice, so
   * the id is free; a picture imported again since then keeps its new row instead.
   */
  restore(images: readonly Omit<ImageRecord, 'prediction'>[], labelIdOf: (name: string) => number): number {
    const stmt = this.db.prepare(
      `INSERT INTO images (id, dataset_id, hash, ext, file_name, label_id, width, height, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    let n = 0;
    for (const img of images) {
      const id = toRowId(img.id);
      const ds = toRowId(img.datasetId);
      if (id === null || ds === null) continue;
      const labelId = img.label === null ? null : labelIdOf(img.label);
      n += stmt.run(id, ds, img.hash, img.ext, img.fileName, labelId, img.width, img.height, img.createdAt).changes;
    }
    return n;
  }

  /** Deletes images by id and returns the library files they pointed at. */
  delete(ids: readonly string[]): { deleted: number; files: StoredFile[] } {
    const all = rowIds(ids);
    const files: StoredFile[] = [];
    let deleted = 0;
    for (let i = 0; i < all.length; i += CHUNK) {
      const part = all.slice(i, i + CHUNK);
      const marks = part.map(() => '?').join(',');
      files.push(...(this.db.prepare(`SELECT hash, ext FROM images WHERE id IN (${marks})`).all(...part) as StoredFile[]));
      deleted += this.db.prepare(`DELETE FROM images WHERE id IN (${marks})`).run(...part).changes;
    }
    return { deleted, files };
  }

  /** The distinct library files a dataset uses (read before deleting it). */
  filesOfDataset(datasetId: string): StoredFile[] {
    const ds = toRowId(datasetId);
    if (ds === null) return [];
    // Files that only the dataset's undo history still holds go with it too.
    return this.db
      .prepare(
        `SELECT hash, ext FROM images WHERE dataset_id = ?
         UNION SELECT f.hash, f.ext FROM label_history_files f JOIN label_history h ON h.id = f.entry_id WHERE h.dataset_id = ?`,
      )
      .all(ds, ds) as StoredFile[];
  }

  /** True while a picture or an undo step (a deleted picture that may come back) uses the file. */
  isHashUsed(hash: string): boolean {
    return (
      this.db.prepare('SELECT 1 FROM images WHERE hash = ? LIMIT 1').get(hash) !== undefined ||
      this.db.prepare('SELECT 1 FROM label_history_files WHERE hash = ? LIMIT 1').get(hash) !== undefined
    );
  }

  countInDataset(datasetId: string): number {
    const ds = toRowId(datasetId);
    if (ds === null) return 0;
    return (this.db.prepare('SELECT COUNT(*) AS n FROM images WHERE dataset_id = ?').get(ds) as { n: number }).n;
  }
}
