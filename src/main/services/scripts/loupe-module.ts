// The `loupe` module that scripts import (`import "loupe" as loupe`). Each function runs on
// the main thread while the script's worker waits; arguments arrive as plain JSON values.
import { copyFile, mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { LoupeError } from '../../../shared/errors';
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

/** A shell-style pattern: `*`, `?` and `{a,b}`, matched case-insensitively against a file name. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  let inBraces = false;
  for (const ch of pattern) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '{') { re += '(?:'; inBraces = true; }
    else if (ch === '}' && inBraces) { re += ')'; inBraces = false; }
    else if (ch === ',' && inBraces) re += '|';
    else re += ch.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

/** `name.jpg`, then `name (1).jpg`, … : moving or copying never overwrites a file. */
async function freeName(folder: string, name: string): Promise<string> {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 0; ; i++) {
    const candidate = join(folder, i === 0 ? name : `${stem} (${i})${ext}`);
    try {
      await stat(candidate);
    } catch {
      return candidate;
    }
  }
}

export function createLoupeModule(d: LoupeModuleDeps, report: RunReporter, write: (text: string) => void = () => {}): HostApi {
  const { library, vision, folders } = d;
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
          const page = library.listImages({ datasetId: id, label: typeof label === 'string' ? label : undefined, unlabeled: opts(o).unlabeled === true || undefined, limit: 5000, cursor });
          out.push(...page.items.map((i) => ({ id: i.id, label: i.label, fileName: i.fileName, width: i.width, height: i.height })));
          cursor = page.nextCursor;
        } while (cursor);
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
        const r = vision.selection.predictions({ datasetId: datasetId(ds), sort: 'confidence', order: 'desc', limit: 100_000, ...pick(opts(o), ['predicted', 'unlabelledOnly', 'minConfidence', 'maxConfidence']) });
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
        const re = pattern === undefined || pattern === null ? null : globToRegExp(str(pattern, 'A pattern'));
        const entries = await readdir(real, { withFileTypes: true });
        return entries.filter((e) => e.isFile() && (!re || re.test(e.name))).map((e) => join(real, e.name)).sort();
      },
    },
    move: {
      arity: 2,
      call: async (src, dest) => {
        const from = folders.check(str(src, 'A path'));
        const to = folders.check(str(dest, 'A folder'));
        await mkdir(to, { recursive: true });
        const target = await freeName(to, basename(from));
        try {
          await rename(from, target);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
          await copyFile(from, target);
          await unlink(from);
        }
        return target;
      },
    },
    copy: {
      arity: 2,
      call: async (src, dest) => {
        const from = folders.check(str(src, 'A path'));
        const to = folders.check(str(dest, 'A folder'));
        await mkdir(to, { recursive: true });
        const target = await freeName(to, basename(from));
        await copyFile(from, target);
        return target;
      },
    },
    mkdir: {
      arity: 1,
      call: async (path) => {
        const real = folders.check(str(path, 'A path'));
        await mkdir(real, { recursive: true });
        return real;
      },
    },
    log: {
      arity: 1,
      call: (msg) => {
        const line = typeof msg === 'string' ? msg : JSON.stringify(msg);
        write(`${line}\n`);
        report.log(line);
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
      call: (kind, input) => d.tasks.enqueue({ kind: str(kind, 'A task kind'), input: input ?? {} }).id,
    },
  };
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
