import type { TaskQueue } from '../../queue/index';
import type { Store } from '../../store/index';
import type { SpawnChild } from '../../queue/index';
import type { Emit } from '../events';
import type { LibraryService } from '../library/index';
import type { BackboneHost } from './backbone';
import type { Embedder, EmbeddingCache } from './embedding-cache';
import type { VisionRecords } from './vision-records';

/** What every part of the vision service shares; built once by VisionService. */
export interface VisionContext {
  store: Store;
  dataDir: string;
  records: VisionRecords;
  cache: EmbeddingCache;
  backbone: BackboneHost;
  library: LibraryService;
  queue: TaskQueue;
  emit: Emit;
  log: (message: string, err?: unknown) => void;
  /** Starts the training process (the inference one is BackboneHost's); child_process.fork when absent. */
  spawn?: SpawnChild;
  /** Computes embeddings: this machine's backbone, or remote workers through the broker. */
  embed: Embedder;
}
