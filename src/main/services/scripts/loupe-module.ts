// The `loupe` module that scripts import (`import "loupe" as loupe`). Each function runs on
// the main thread while the script's worker waits; arguments arrive as plain JSON values.
import { opendir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { LoupeError } from '../../../shared/errors';
import { Glob } from './glob';
import { capLine, MAX_FILES_RETURNED, MAX_FILES_SCANNED, MAX_LIST_ITEMS, MAX_MATCH_STEPS, MAX_PATTERN_CHARS, MAX_TASKS_PER_RUN, OutputBudget } from './limits';
import { copyInto, makeFolder, moveInto } from './safe-fs';
import { scriptTaskInput } from './script-tasks';
import type { HostApi } from './script-runner';
import type { LibraryService } from '../library/index';
import type { TaskService } from '../tasks/index';
import type { VisionService } from '../vision/index';
import type { GrantedFolders } from './granted-folders';

export interface LoupeModuleDeps {
  library: LibraryService;
  tasks: TaskService;
  vision: VisionService;
  folders: GrantedFolders;
}

/** What a run does with `loupe.log` and `loupe.progress` (a task reports them; a quick run prints). */
export interface RunReporter {
  /** Called with the line; the module has already added it to the run's output. */
  log(message: string): void;
  progress(fraction: number): void;
}

const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string' || v.length === 0) throw new LoupeError('validation', `${what} must be a non-empty string.`);
  return v;
};
const opts = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Matcher steps between two yields to the event loop (a few milliseconds of work). */
const MATCH_STEPS_PER_TURN = 1_000_000;

/**
 * The files directly in `folder` whose names match `pattern`, at most MAX_FILES_RETURNED of
 * them, looking at no more than MAX_FILES_SCANNED entries; the matching yields to the event
 * loop as it goes, so a huge folder or a costly pattern never holds up HTTP or IPC.
 */
export async function listFiles(
  folder: string,
  pattern: string | null,
  max: { scanned: number; returned: number; steps?: number } = { scanned: MAX_FILES_SCANNED, returned: MAX_FILES_RETURNED },
): Promise<{ paths: string[]; stopped: 'returned' | 'scanned' | 'work' | null }> {
  if (pattern !== null && pattern.length > MAX_PATTERN_CHARS) {
    throw new LoupeError('validation', `A file pattern may have at most ${MAX_PATTERN_CHARS} characters (this one has ${pattern.length}).`);
  }
  const glob = pattern === null ? null : new Glob(pattern);
  const paths: string[] = [];
  let scanned = 0;
  let yielded = 0;
  const maxSteps = max.steps ?? MAX_MATCH_STEPS;
  let stopped: 'returned' | 'scanned' | 'work' | null = null;
  const dir = await opendir(folder, { bufferSize: 256 });
  try {
    for await (const e of dir) {
      if (++scanned > max.scanned) {
        stopped = 'scanned';
        break;
      }
      if (!e.isFile()) continue;
      if (glob) {
        if (glob.steps - yielded > MATCH_STEPS_PER_TURN) {
          yielded = glob.steps;
          await yieldToLoop();
        }
        if (glob.steps > maxSteps) {
          stopped = 'work';
          break;
        }
        if (!glob.test(e.name)) continue;
      }
      if (paths.length === max.returned) {
        stopped = 'returned';
        break;
      }
      paths.push(join(folder, e.name));
    }
  } finally {
    // A loop left early does not close the handle on its own in every Node version.
    await dir.close().catch(() => {});
  }
  return { paths: paths.sort(), stopped };
}

export function createLoupeModule(deps: LoupeModuleDeps, report: RunReporter, write: (text: string) => void = () => {}): HostApi {
  const { library, vision, folders } = deps;
  const checkReal = (real: string) => folders.checkReal(real);
  /** `loupe.log` lines share one budget per run, so logging cannot grow the task log without bound. */
  const logBudget = new OutputBudget();
  let queued = 0;
  /** A note in the run's output (a list cut short): shown and logged like a log line. */
  const note = (line: string) => {
    const kept = logBudget.take(`${line}\n`);
    if (!kept) return;
    write(kept);
    report.log(kept.replace(/\n$/, ''));
  };
  /** A dataset by id or by name. */
  const datasetId = (ref: unknown): string => {
    const r = typeof ref === 'number' ? String(ref) : str(ref, 'A dataset');
    if (library.hasDataset(r)) return r;
    const byName = library.listDatasets().find((x) => x.name === r);
    if (!byName) throw new LoupeError('not_found', `No dataset "${r}".`);
    return byName.id;
  };
  const modelFor = (ref: unknown): string => {
    const m = ref === undefined || ref === null ? vision.models.list(undefined, 1).items[0] : vision.records.activeModel(datasetId(ref));
    if (!m) throw new LoupeError('not_found', 'There is no trained model yet: label some pictures and train first.');
    return m.id;
  };

  return {
    datasets: { arity: 0, call: () => library.listDatasets().map((x) => ({ id: x.id, name: x.name, imageCount: x.imageCount })) },
    images: {
      arity: [1, 2],
      call: (ds, o) => {
        const id = datasetId(ds);
        const label = opts(o).label;
        const out: unknown[] = [];
        let cursor: string | null = null;
        do {
          const page = library.listImages({
            datasetId: id,
            label: typeof label === 'string' ? label : undefined,
            unlabeled: opts(o).unlabeled === true || undefined,
            limit: 5000,
            cursor,
          });
          out.push(...page.items.map((i) => ({ id: i.id, label: i.label, fileName: i.fileName, width: i.width, height: i.height })));
          cursor = page.nextCursor;
        } while (cursor && out.length < MAX_LIST_ITEMS);
        if (cursor || out.length > MAX_LIST_ITEMS) {
          note(`[loupe.images: the first ${MAX_LIST_ITEMS} images only; the dataset has more]`);
          out.length = Math.min(out.length, MAX_LIST_ITEMS);
        }
        return out;
      },
    },
    labels: { arity: 1, call: (ds) => library.getDataset(datasetId(ds)).labels },
    label: {
      arity: 2,
      call: (imageId, name) => {
        const id = typeof imageId === 'number' ? String(imageId) : str(imageId, 'An image id');
        library.getImage(id);
        library.setLabel([id], name === null ? null : str(name, 'A label'));
        return library.getImage(id).label;
      },
    },
    predictions: {
      arity: [1, 2],
      call: (ds, o) => {
        const r = vision.selection.predictions({
          datasetId: datasetId(ds),
          sort: 'confidence',
          order: 'desc',
          limit: MAX_LIST_ITEMS,
          ...pick(opts(o), ['predicted', 'unlabelledOnly', 'minConfidence', 'maxConfidence']),
        });
        if (r.items.length >= MAX_LIST_ITEMS) note(`[loupe.predictions: the ${MAX_LIST_ITEMS} most confident only; narrow it with minConfidence or predicted]`);
        return r.items;
      },
    },
    classify: {
      arity: [1, 2],
      call: async (path, ds) => {
        const real = folders.check(str(path, 'A path'));
        const [best] = (await vision.prediction.predict(modelFor(ds), [{ name: basename(real), input: real }], 1))[0];
        return { label: best.label, confidence: best.confidence };
      },
    },
    train: {
      arity: 1,
      call: async (ds) => {
        const { runId } = vision.startTraining(datasetId(ds));
        for (;;) {
          const run = vision.training.get(runId);
          if (run.status === 'succeeded') return { runId, modelId: run.modelId, accuracy: run.metrics?.accuracy ?? null };
          if (run.status !== 'queued' && run.status !== 'running') throw new LoupeError('internal', `Training run ${runId} ended: ${run.status}.`);
          await new Promise((r) => setTimeout(r, 300));
        }
      },
    },
    files: {
      arity: [1, 2],
      call: async (folder, pattern) => {
        const real = folders.check(str(folder, 'A folder'));
        const r = await listFiles(real, pattern === undefined || pattern === null ? null : str(pattern, 'A pattern'));
        if (r.stopped === 'returned')
          note(`[loupe.files: the first ${MAX_FILES_RETURNED} matching files of ${real} only; move them away and call again, or narrow the pattern]`);
        if (r.stopped === 'work') note(`[loupe.files: the pattern took too long to match against the names in ${real}; stopped early — use a simpler pattern]`);
        if (r.stopped === 'scanned') note(`[loupe.files: looked at the first ${MAX_FILES_SCANNED} entries of ${real} only; the folder holds more]`);
        return r.paths;
      },
    },
    move: {
      arity: 2,
      call: (src, dest) => moveInto(folders.check(str(src, 'A path')), folders.check(str(dest, 'A folder')), checkReal),
    },
    copy: {
      arity: 2,
      call: (src, dest) => copyInto(folders.check(str(src, 'A path')), folders.check(str(dest, 'A folder')), checkReal),
    },
    mkdir: {
      arity: 1,
      call: (path) => makeFolder(folders.check(str(path, 'A path')), checkReal),
    },
    log: {
      arity: 1,
      call: (msg) => {
        const line = capLine(typeof msg === 'string' ? msg : (JSON.stringify(msg) ?? 'nil'));
        const kept = logBudget.take(`${line}\n`);
        if (!kept) return;
        write(kept);
        report.log(kept.replace(/\n$/, ''));
      },
    },
    progress: {
      arity: 1,
      call: (x) => {
        if (typeof x !== 'number' || !Number.isFinite(x)) throw new LoupeError('validation', 'progress() takes a number from 0 to 1.');
        report.progress(Math.min(1, Math.max(0, x)));
      },
    },
    enqueue: {
      arity: 2,
      call: (kind, input) => {
        const k = str(kind, 'A task kind');
        if (queued >= MAX_TASKS_PER_RUN)
          throw new LoupeError('too_large', `A run may queue at most ${MAX_TASKS_PER_RUN} tasks; queue fewer, larger ones (an import takes many paths).`);
        const id = deps.tasks.enqueue({ kind: k, input: scriptTaskInput(k, input, folders) }).id;
        queued++;
        return id;
      },
    },
  };
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
