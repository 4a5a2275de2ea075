import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { migrate } from './migrate';
import { DatasetRepository } from './datasets';
import { ImageRepository } from './images';
import { LabelRepository } from './labels';
import { HistoryRepository } from './history';
import { ActiveModelRepository } from './active-models';
import { SettingsRepository } from './settings';
import { RunRepository } from './runs';
import { ModelRepository } from './models';
import { EmbeddingRepository } from './embeddings';
import { PredictionRepository } from './predictions';
import { ScriptRepository } from './scripts';
import { ThumbnailRepository } from './thumbnails';
import { withStatementCache } from './statement-cache';

export * from './datasets';
export * from './images';
export * from './labels';
export * from './history';
export * from './active-models';
export * from './settings';
export * from './runs';
export * from './models';
export * from './embeddings';
export * from './predictions';
export * from './scripts';
export * from './thumbnails';
export { InvalidCursorError, toRowId } from './ids';
export { migrate, MIGRATIONS, type Migration } from './migrate';
export { adoptLegacyQueue } from './legacy-queue';

export interface Store {
  readonly db: Database;
  readonly datasets: DatasetRepository;
  readonly labels: LabelRepository;
  readonly images: ImageRepository;
  readonly settings: SettingsRepository;
  readonly history: HistoryRepository;
  readonly runs: RunRepository;
  readonly models: ModelRepository;
  readonly embeddings: EmbeddingRepository;
  readonly predictions: PredictionRepository;
  readonly activeModels: ActiveModelRepository;
  readonly scripts: ScriptRepository;
  readonly thumbnails: ThumbnailRepository;
  /** Runs fn in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T;
  close(): void;
}

/**
 * Opens (or creates) Loupe's database and brings its schema up to date. WAL lets readers
 * run beside the one writer; foreign keys make a dataset's deletion cascade; the busy
 * timeout covers a second process (a utility worker) holding the write lock briefly.
 */
export function openStore(file: string): Store {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new BetterSqlite3(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  const cached = withStatementCache(db);
  const activeModels = new ActiveModelRepository(cached);
  return {
    db,
    datasets: new DatasetRepository(cached),
    labels: new LabelRepository(cached),
    images: new ImageRepository(cached),
    settings: new SettingsRepository(cached),
    history: new HistoryRepository(cached),
    runs: new RunRepository(cached),
    models: new ModelRepository(cached, activeModels),
    embeddings: new EmbeddingRepository(cached),
    predictions: new PredictionRepository(cached),
    activeModels,
    scripts: new ScriptRepository(cached),
    thumbnails: new ThumbnailRepository(cached),
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    close: () => {
      if (db.open) db.close();
    },
  };
}
