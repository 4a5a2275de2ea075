// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the ?raw module type must reach every tsconfig that compiles the store
/// <reference path="./sql.d.ts" />
import type { Database } from 'better-sqlite3';
import init from './migrations/001_init.sql?raw';
import vision from './migrations/002_vision.sql?raw';
import imagePages from './migrations/003_image_pages.sql?raw';
import imageIds from './migrations/004_image_ids_never_reused.sql?raw';
import scripts from './migrations/005_scripts.sql?raw';
import embeddingVariants from './migrations/006_embedding_variants.sql?raw';
import trainPrefs from './migrations/007_train_prefs.sql?raw';
import embeddingsRowid from './migrations/008_embeddings_rowid.sql?raw';
import predictions from './migrations/009_predictions.sql?raw';
import labelHistory from './migrations/012_label_history.sql?raw';
import activeModels from './migrations/013_active_models.sql?raw';
import scriptSchedulePause from './migrations/015_script_schedule_pause.sql?raw';
import modelBackboneBuild from './migrations/019_model_backbone_build.sql?raw';
import labelAcceptedFrom from './migrations/021_label_accepted_from.sql?raw';
import thumbnails from './migrations/022_thumbnails.sql?raw';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Every migration, in order. A new one is a new numbered .sql file and one line here.
 * Versions apply in ascending order of those still pending, so a gap filled later works.
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: '001_init', sql: init },
  { version: 2, name: '002_vision', sql: vision },
  { version: 3, name: '003_image_pages', sql: imagePages },
  { version: 4, name: '004_image_ids_never_reused', sql: imageIds },
  { version: 5, name: '005_scripts', sql: scripts },
  { version: 6, name: '006_embedding_variants', sql: embeddingVariants },
  { version: 7, name: '007_train_prefs', sql: trainPrefs },
  { version: 8, name: '008_embeddings_rowid', sql: embeddingsRowid },
  { version: 9, name: '009_predictions', sql: predictions },
  { version: 12, name: '012_label_history', sql: labelHistory },
  { version: 13, name: '013_active_models', sql: activeModels },
  { version: 15, name: '015_script_schedule_pause', sql: scriptSchedulePause },
  { version: 19, name: '019_model_backbone_build', sql: modelBackboneBuild },
  { version: 21, name: '021_label_accepted_from', sql: labelAcceptedFrom },
  { version: 22, name: '022_thumbnails', sql: thumbnails },
];

/**
 * Brings the schema up to date in one transaction: either every pending migration is
 * applied and recorded in `schema_migrations`, or none is. A database written by a newer
 * Loupe (a version we do not know) is refused rather than silently misread.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version));
  const known = Math.max(0, ...migrations.map((m) => m.version));
  const newest = Math.max(0, ...applied);
  if (newest > known) {
    throw new Error(`This data folder was written by a newer Loupe (schema ${newest}, this build knows ${known}). Update Loupe to open it.`);
  }
  const pending = migrations.filter((m) => !applied.has(m.version)).sort((a, b) => a.version - b.version);
  if (pending.length === 0) return [];
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (const m of pending) {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    }
  })();
  return pending.map((m) => m.version);
}
