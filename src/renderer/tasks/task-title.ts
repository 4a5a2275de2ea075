import type { Task, TaskState } from '../../shared/contract';

/** Names the title can use: a dataset's and a script's, by id (null while unknown). */
export interface Names {
  dataset: (id: string) => string | null;
  script: (id: string) => string | null;
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const lastPart = (path: string) =>
  path
    .replace(/[\\/]+$/, '')
    .split(/[\\/]/)
    .pop() || path;
const pictures = (n: number) => `${n.toLocaleString()} picture${n === 1 ? '' : 's'}`;

/**
 * What a task does and where, in the person's words: "Train Clothes", "Import 242
 * pictures into Clothes", "Run script “Sort inbox”". DOM-free, so it is tested in Node.
 */
export function taskTitle(t: Task, names: Names): string {
  const input = obj(t.input);
  const result = obj(t.result);
  const datasetId = str(input.datasetId);
  const dataset = datasetId ? (names.dataset(datasetId) ?? `dataset ${datasetId}`) : null;
  switch (t.kind) {
    case 'import': {
      // The count is known once the folder was read ("3 of 242 files") or the import ended.
      const total = num(result.total) ?? totalFromProgress(t.progressMessage) ?? num(result.imported);
      const paths = Array.isArray(input.paths) ? input.paths.filter((p): p is string => typeof p === 'string') : [];
      const what = total !== null ? pictures(total) : paths.length === 1 ? `“${lastPart(paths[0])}”` : `${paths.length} folders`;
      return `Import ${what} into ${dataset ?? 'a dataset'}`;
    }
    case 'train':
      return `Train ${dataset ?? 'a dataset'}`;
    case 'embed':
      return `Prepare the pictures of ${dataset ?? 'a dataset'}`;
    case 'predict-folder': {
      const path = str(input.path);
      return `Predict the pictures in ${path ? `“${lastPart(path)}”` : 'a folder'}`;
    }
    case 'script': {
      const id = str(input.scriptId);
      const name = id ? names.script(id) : null;
      return name ? `Run script “${name}”` : id ? `Run script ${id}` : 'Run a script from the editor';
    }
    default:
      return t.kind;
  }
}

function totalFromProgress(message: string | null): number | null {
  const m = message ? /of ([\d,]+) files/.exec(message) : null;
  return m ? Number(m[1].replace(/,/g, '')) : null;
}

/** The state as a short tag in a row. */
export const STATE_TAGS: Record<TaskState, string> = {
  queued: 'Queued',
  running: 'Running',
  failed: 'Will retry',
  succeeded: 'Done',
  dead: 'Failed',
  cancelled: 'Cancelled',
};

/**
 * The tag a task's row shows: a running task with no start time is one a broker worker has
 * claimed ahead of a free slot (prefetched): it holds a lease but its handler has not begun.
 */
export function stateTag(t: Pick<Task, 'state' | 'startedAt'>): string {
  return t.state === 'running' && t.startedAt === null ? 'Claimed' : STATE_TAGS[t.state];
}

/** Readable facts from a task's input and result: label → value, in a useful order. */
export function taskFacts(t: Task, names: Names): Array<[string, string]> {
  const input = obj(t.input);
  const result = obj(t.result);
  const out: Array<[string, string]> = [];
  const datasetId = str(input.datasetId);
  if (datasetId) out.push(['Dataset', names.dataset(datasetId) ?? `#${datasetId}`]);
  if (Array.isArray(input.paths)) out.push([input.paths.length === 1 ? 'Folder' : 'Folders', input.paths.map(String).join(', ')]);
  if (str(input.path)) out.push(['Folder', String(input.path)]);
  if (input.labels === 'folders') out.push(['Labels', 'from folder names']);
  if (str(input.label)) out.push(['Label', String(input.label)]);
  if (str(input.scriptId)) out.push(['Script', names.script(String(input.scriptId)) ?? `#${String(input.scriptId)}`]);
  if (str(input.modelId)) out.push(['Model', `#${String(input.modelId)}`]);
  if (str(input.output)) out.push(['Writes', String(input.output)]);
  if (num(result.imported) !== null) out.push(['Added', pictures(num(result.imported)!)]);
  if (num(result.duplicates)) out.push(['Already there', pictures(num(result.duplicates)!)]);
  if (Array.isArray(result.failed) && result.failed.length > 0)
    out.push(['Not imported', `${result.failed.length} file${result.failed.length === 1 ? '' : 's'}`]);
  return out;
}
