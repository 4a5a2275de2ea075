import { join } from 'node:path';
import type { DatasetRecord } from '../../store/index';
import type { LibraryService } from '../library/index';
import { fail } from '../errors';
import type { VisionService } from './vision-service';

export interface ExportLatestOptions {
  /** The dataset the window shows (the pages keep it in localStorage); the first dataset when absent or gone. */
  chosenDatasetId: string | null;
  /** Folder the save dialog opens in (the desktop's Documents). */
  defaultDir: string;
  /** Asks where to write the file, starting at `defaultPath`; null when the person cancels. */
  pickPath(defaultPath: string): Promise<string | null>;
}

/** Characters no file system takes in a name become dashes. */
export function safeFileBase(name: string): string {
  return name.replace(/[\\/:*?"<>|]+/g, '-').trim() || 'dataset';
}

/**
 * The desktop's File › Export model…: the newest model of the shown dataset written as one
 * ONNX file where the person picks. Electron supplies the dialog (electron.ts); everything
 * else is here, so a Node test runs it with a real dataset and model. Answers null when the
 * person cancels; throws a LoupeError whose message says what to do when there is nothing
 * to export.
 */
export async function exportLatestModel(
  services: { library: LibraryService; vision: VisionService },
  opts: ExportLatestOptions,
): Promise<{ path: string; bytes: number; modelId: string; dataset: DatasetRecord } | null> {
  const datasets = services.library.listDatasets();
  const dataset = datasets.find((d) => d.id === opts.chosenDatasetId) ?? datasets[0];
  if (!dataset) throw fail.notFound('There is no dataset yet. Create one in the Library, label pictures and train a model first.');
  const model = services.vision.records.activeModel(dataset.id);
  if (!model) throw fail.notFound(`“${dataset.name}” has no model yet. Label pictures with at least two labels and train it first.`);
  const path = await opts.pickPath(join(opts.defaultDir, `${safeFileBase(dataset.name)}-model-${model.id}.onnx`));
  if (!path) return null;
  const written = await services.vision.models.export(model.id, path);
  return { ...written, modelId: model.id, dataset };
}
