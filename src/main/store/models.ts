import type { Database } from 'better-sqlite3';
import { nowIso, toRowId } from './ids';
import type { ActiveModelRepository } from './active-models';
import { beforeCursor } from './runs';

/** A trained model as stored (migration 002). */
export interface ModelRow {
  id: number;
  dataset_id: number | null;
  run_id: number | null;
  version: number;
  name: string;
  labels: string;
  backbone: string;
  metrics: string;
  created_at: string;
  /** The backbone file's SHA-256 and build (migration 019); null for older models. */
  backbone_sha256: string | null;
  backbone_variant: 'float' | 'int8' | null;
}

const COLUMNS = 'id, dataset_id, run_id, version, name, labels, backbone, metrics, created_at, backbone_sha256, backbone_variant';

/** Models: versioned per dataset, their heads as blobs, and which one a dataset predicts with. */
export class ModelRepository {
  constructor(
    private readonly db: Database,
    /** The one place the active-model rule lives; shared with Store.activeModels. */
    private readonly active: ActiveModelRepository,
  ) {}

  create(m: {
    datasetId: string;
    runId: string;
    labels: string;
    backbone: string;
    head: Uint8Array;
    metrics: string;
    datasetName: string;
    backboneBuild?: { sha256: string; variant: 'float' | 'int8' } | null;
  }): number {
    const ds = toRowId(m.datasetId);
    const version = ((this.db.prepare('SELECT MAX(version) AS v FROM models WHERE dataset_id = ?').get(ds) as { v: number | null }).v ?? 0) + 1;
    const info = this.db
      .prepare(
        'INSERT INTO models (dataset_id, run_id, version, name, labels, backbone, head, metrics, created_at, backbone_sha256, backbone_variant) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        ds,
        toRowId(m.runId),
        version,
        `${m.datasetName} v${version}`,
        m.labels,
        m.backbone,
        Buffer.from(m.head),
        m.metrics,
        nowIso(),
        m.backboneBuild?.sha256 ?? null,
        m.backboneBuild?.variant ?? null,
      );
    return Number(info.lastInsertRowid);
  }

  get(id: string): ModelRow | null {
    const rowId = toRowId(id);
    if (rowId === null) return null;
    return (this.db.prepare(`SELECT ${COLUMNS} FROM models WHERE id = ?`).get(rowId) as ModelRow | undefined) ?? null;
  }

  head(id: string): Buffer | null {
    const rowId = toRowId(id);
    if (rowId === null) return null;
    const r = this.db.prepare('SELECT head FROM models WHERE id = ?').get(rowId) as { head: Buffer } | undefined;
    return r?.head ?? null;
  }

  list(datasetId: string | undefined, limit: number, cursor?: string | null): ModelRow[] {
    const after = beforeCursor(cursor);
    return (
      datasetId === undefined
        ? this.db.prepare(`SELECT ${COLUMNS} FROM models WHERE id < ? ORDER BY id DESC LIMIT ?`).all(after, limit + 1)
        : this.db.prepare(`SELECT ${COLUMNS} FROM models WHERE dataset_id = ? AND id < ? ORDER BY id DESC LIMIT ?`).all(toRowId(datasetId), after, limit + 1)
    ) as ModelRow[];
  }

  latest(datasetId: string): ModelRow | null {
    return (
      (this.db.prepare(`SELECT ${COLUMNS} FROM models WHERE dataset_id = ? ORDER BY id DESC LIMIT 1`).get(toRowId(datasetId)) as ModelRow | undefined) ?? null
    );
  }

  /**
   * THE rule for "the dataset's active model": the one every picture of the dataset is
   * predicted by, whose predictions the Library shows, filters and sorts by: the one a run
   * made active or the person pinned (store/active-models.ts), else the newest. The pipeline
   * re-predicts when its answer changes (ModelVersions tells it).
   */
  activeModelId(datasetId: string): string | null {
    return this.active.activeModelId(datasetId);
  }

  /** Renames a version (its file name in exports follows the model id, not the name). */
  rename(id: string, name: string): void {
    this.db.prepare('UPDATE models SET name = ? WHERE id = ?').run(name, toRowId(id));
  }

  /** Deletes a version; runs keep their metrics but no longer point at it. */
  delete(id: string): void {
    this.db.prepare('UPDATE training_runs SET model_id = NULL WHERE model_id = ?').run(toRowId(id));
    this.db.prepare('DELETE FROM models WHERE id = ?').run(toRowId(id));
  }
}
