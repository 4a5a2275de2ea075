import type { Database } from 'better-sqlite3';
import { nowIso, toId, toRowId } from './ids';

export interface ActiveModelRecord {
  modelId: string | null;
  pinned: boolean;
}

/**
 * Which model is a dataset's active one (migration 013). `activeModelId` is THE one place
 * that answers "the dataset's active model": the chosen one, or else the newest model.
 */
export class ActiveModelRepository {
  constructor(private readonly db: Database) {}

  activeModelId(datasetId: string): string | null {
    const ds = toRowId(datasetId);
    if (ds === null) return null;
    const row = this.db
      .prepare(
        `SELECT COALESCE(
           (SELECT a.model_id FROM active_models a JOIN models m ON m.id = a.model_id WHERE a.dataset_id = ?),
           (SELECT MAX(id) FROM models WHERE dataset_id = ?)) AS id`,
      )
      .get(ds, ds) as { id: number | null };
    return row.id === null ? null : toId(row.id);
  }

  get(datasetId: string): ActiveModelRecord {
    const row = this.db.prepare('SELECT model_id, pinned FROM active_models WHERE dataset_id = ?').get(toRowId(datasetId)) as
      { model_id: number | null; pinned: number } | undefined;
    return { modelId: row?.model_id == null ? null : toId(row.model_id), pinned: row?.pinned === 1 && row.model_id !== null };
  }

  set(datasetId: string, modelId: string | null, pinned: boolean): void {
    this.db
      .prepare(
        `INSERT INTO active_models (dataset_id, model_id, pinned, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (dataset_id) DO UPDATE SET model_id = excluded.model_id, pinned = excluded.pinned, updated_at = excluded.updated_at`,
      )
      .run(toRowId(datasetId), modelId === null ? null : toRowId(modelId), pinned ? 1 : 0, nowIso());
  }
}
