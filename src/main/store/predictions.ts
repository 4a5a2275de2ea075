import type { Database, Statement } from 'better-sqlite3';
import { toRowId } from './ids';

export interface PredictionRow {
  imageId: string;
  label: string;
  confidence: number;
}

/** A picture of a dataset as the pipeline needs it: its row id, its bytes' hash and file. */
export interface PipelineImage {
  id: string;
  hash: string;
  ext: string;
}

/**
 * Predictions per (picture, model) (migration 009), and the pipeline's questions about what
 * is still missing: pictures without an embedding for the backbone, embedded pictures
 * without a prediction of a model.
 */
export class PredictionRepository {
  private insert: Statement | null = null;

  constructor(private readonly db: Database) {}

  put(modelId: string, rows: readonly PredictionRow[]): void {
    const model = toRowId(modelId);
    this.insert ??= this.db.prepare('INSERT OR REPLACE INTO predictions (model_id, image_id, label, confidence) VALUES (?, ?, ?, ?)');
    for (const r of rows) this.insert.run(model, toRowId(r.imageId), r.label, r.confidence);
  }

  get(modelId: string, imageId: string): { label: string; confidence: number } | null {
    return (
      (this.db.prepare('SELECT label, confidence FROM predictions WHERE model_id = ? AND image_id = ?').get(toRowId(modelId), toRowId(imageId)) as
        { label: string; confidence: number } | undefined) ?? null
    );
  }

  /**
   * Which model's stored guess each picture's accepted label is: the preferred model (the
   * active one) when its guess matches, else the newest model whose guess does. Pictures
   * whose label no model guessed are left out (the label was a person's own choice).
   */
  guessedBy(items: ReadonlyArray<{ imageId: string; label: string }>, preferred: string | null): Map<string, string> {
    const out = new Map<string, string>();
    const stmt = this.db.prepare('SELECT model_id FROM predictions WHERE image_id = ? AND label = ? ORDER BY model_id = ? DESC, model_id DESC LIMIT 1');
    const pref = preferred === null ? -1 : toRowId(preferred);
    for (const it of items) {
      const row = stmt.get(toRowId(it.imageId), it.label, pref) as { model_id: number } | undefined;
      if (row) out.set(it.imageId, String(row.model_id));
    }
    return out;
  }

  /**
   * Drops the predictions of the dataset's older models: every retrain predicts every picture
   * again, so 60,000 pictures × each version would grow without bound. Kept: `keep` (the
   * active model) and the two newest models of the dataset (a comparison with the previous one).
   */
  prune(datasetId: string, keep: string): number {
    return this.db
      .prepare(
        `DELETE FROM predictions WHERE model_id IN (
           SELECT id FROM models WHERE dataset_id = ? AND id != ?
             AND id NOT IN (SELECT id FROM models WHERE dataset_id = ? ORDER BY id DESC LIMIT 2))`,
      )
      .run(toRowId(datasetId), toRowId(keep), toRowId(datasetId)).changes;
  }

  /** Pictures of the dataset with no embedding for `backbone` (at most `limit`, in id order). */
  unembedded(datasetId: string, backbone: string, limit: number, exclude: readonly string[] = [], afterId = '0'): PipelineImage[] {
    // `afterId`: a caller that went through the pictures up to an id asks only past it. Ids only
    // grow (migration 004), so nothing stored later is skipped, and a long import's embed task
    // does not walk the whole dataset again for each batch (8.5 ms a query at 10,000 pictures).
    const rows = this.db
      .prepare(
        `SELECT i.id, i.hash, i.ext FROM images i
         WHERE i.dataset_id = ? AND i.id > ? AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.hash = i.hash AND e.backbone = ?)
           AND i.hash NOT IN (SELECT value FROM json_each(?))
         ORDER BY i.id LIMIT ?`,
      )
      .all(toRowId(datasetId), toRowId(afterId) ?? 0, backbone, JSON.stringify(exclude), limit) as Array<{ id: number; hash: string; ext: string }>;
    return rows.map((r) => ({ id: String(r.id), hash: r.hash, ext: r.ext }));
  }

  /** Embedded pictures of the dataset that `modelId` has not predicted yet (at most `limit`). */
  unpredicted(datasetId: string, backbone: string, modelId: string, limit: number, afterId = '0'): PipelineImage[] {
    const rows = this.db
      .prepare(
        `SELECT i.id, i.hash, i.ext FROM images i
         WHERE i.dataset_id = ? AND i.id > ? AND EXISTS (SELECT 1 FROM embeddings e WHERE e.hash = i.hash AND e.backbone = ?)
           AND NOT EXISTS (SELECT 1 FROM predictions p WHERE p.model_id = ? AND p.image_id = i.id)
         ORDER BY i.id LIMIT ?`,
      )
      .all(toRowId(datasetId), toRowId(afterId) ?? 0, backbone, toRowId(modelId), limit) as Array<{ id: number; hash: string; ext: string }>;
    return rows.map((r) => ({ id: String(r.id), hash: r.hash, ext: r.ext }));
  }

  /** How many of the dataset's pictures past `afterId` have no embedding for `backbone`. */
  countUnembedded(datasetId: string, backbone: string, afterId: string): number {
    const row = this.db
      .prepare(
        `SELECT count(*) AS n FROM images i
         WHERE i.dataset_id = ? AND i.id > ? AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.hash = i.hash AND e.backbone = ?)`,
      )
      .get(toRowId(datasetId), toRowId(afterId) ?? 0, backbone) as { n: number };
    return row.n;
  }

  /** The dataset's newest picture id ('0' when it has none): one step down its (dataset, id) index. */
  lastImageId(datasetId: string): string {
    const row = this.db.prepare('SELECT max(id) AS id FROM images WHERE dataset_id = ?').get(toRowId(datasetId)) as { id: number | null };
    return String(row.id ?? 0);
  }

  /** How many of the dataset's pictures have an embedding for `backbone` / a prediction of `modelId`. */
  counts(datasetId: string, backbone: string | null, modelId: string | null): { images: number; embedded: number; predicted: number } {
    const ds = toRowId(datasetId);
    const images = (this.db.prepare('SELECT count(*) AS n FROM images WHERE dataset_id = ?').get(ds) as { n: number }).n;
    const embedded =
      backbone === null
        ? 0
        : (
            this.db
              .prepare(
                'SELECT count(*) AS n FROM images i WHERE i.dataset_id = ? AND EXISTS (SELECT 1 FROM embeddings e WHERE e.hash = i.hash AND e.backbone = ?)',
              )
              .get(ds, backbone) as { n: number }
          ).n;
    const predicted =
      modelId === null
        ? 0
        : (
            this.db
              .prepare('SELECT count(*) AS n FROM predictions p JOIN images i ON i.id = p.image_id WHERE p.model_id = ? AND i.dataset_id = ?')
              .get(toRowId(modelId), ds) as { n: number }
          ).n;
    return { images, embedded, predicted };
  }
}
