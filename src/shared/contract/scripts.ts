import { z } from 'zod';
import { procedure } from './define';
import { Id } from './library';

/** Members of the `loupe` module that scripts import, with a one-line signature (editor completion). */
export const LOUPE_MODULE_MEMBERS: ReadonlyArray<{ name: string; detail: string }> = [
  { name: 'datasets', detail: 'datasets() → list of {id, name, imageCount}' },
  { name: 'images', detail: 'images(dataset, {label?, unlabeled?}) → list of {id, label, fileName, width, height}' },
  { name: 'labels', detail: 'labels(dataset) → list of {name, count}' },
  { name: 'label', detail: 'label(imageId, name | nil) → the new label' },
  { name: 'predictions', detail: 'predictions(dataset, {predicted?, unlabelledOnly?, minConfidence?}) → list of {id, label, predicted, confidence}' },
  { name: 'classify', detail: 'classify(path, dataset?) → {label, confidence}' },
  { name: 'train', detail: 'train(dataset) → {runId, modelId, accuracy} when the run ends' },
  { name: 'files', detail: 'files(folder, pattern?) → list of paths, e.g. files("~/Inbox", "*.jpg")' },
  { name: 'move', detail: 'move(path, folder) → the new path (never overwrites)' },
  { name: 'copy', detail: 'copy(path, folder) → the new path (never overwrites)' },
  { name: 'mkdir', detail: 'mkdir(path) → path' },
  { name: 'log', detail: 'log(message): a line in the run’s output and task log' },
  { name: 'progress', detail: 'progress(fraction): the task’s progress, 0 to 1' },
  { name: 'enqueue', detail: 'enqueue(kind, input) → task id' },
];

export const ScriptSchedule = z.object({
  /** 5-field cron: minute hour day-of-month month day-of-week, e.g. `0 * * * *`. */
  cron: z.string().min(1).max(200),
  enabled: z.boolean(),
  /**
   * Set when Loupe paused the schedule after three failed runs in a row (then `enabled` is
   * false): when, and why in words with the last error. Setting the schedule again resumes it.
   */
  paused: z.object({ at: z.string(), reason: z.string() }).nullable(),
});
export type ScriptSchedule = z.infer<typeof ScriptSchedule>;

export const SavedScript = z.object({
  id: Id,
  name: z.string(),
  source: z.string(),
  schedule: ScriptSchedule.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SavedScript = z.infer<typeof SavedScript>;

export const ScriptName = z.string().trim().min(1).max(200);
const Source = z.string().max(1_000_000);

/** One problem found by the parser or resolver, 1-based, end exclusive. */
export const ScriptDiagnostic = z.object({
  line: z.number().int(),
  column: z.number().int(),
  endLine: z.number().int(),
  endColumn: z.number().int(),
  message: z.string(),
  severity: z.enum(['error', 'warning']),
});
export type ScriptDiagnostic = z.infer<typeof ScriptDiagnostic>;

export const ScriptError = z.object({
  kind: z.enum(['compile', 'runtime', 'limit']),
  message: z.string(),
  line: z.number().int(),
  column: z.number().int(),
});
export type ScriptError = z.infer<typeof ScriptError>;

export const ScriptTemplate = z.object({ id: z.string(), name: z.string(), description: z.string(), source: z.string() });
export type ScriptTemplate = z.infer<typeof ScriptTemplate>;

export const scriptProcedures = {
  'scripts.list': procedure(z.object({}).strict(), z.object({ items: z.array(SavedScript) })),
  'scripts.get': procedure(z.object({ id: Id }).strict(), SavedScript),
  /** Creates a script (no id) or updates its name and/or source. */
  'scripts.save': procedure(z.object({ id: Id.optional(), name: ScriptName.optional(), source: Source.optional() }).strict(), SavedScript),
  'scripts.delete': procedure(z.object({ id: Id }).strict(), z.object({ deleted: z.boolean() })),
  /** Starts a run as a `script` task; output arrives as `script.output`, the end as `script.finished`. */
  'scripts.run': procedure(
    z
      .object({
        source: Source,
        scriptId: Id.optional(),
        timeoutMs: z
          .number()
          .int()
          .min(100)
          .max(6 * 3600_000)
          .optional(),
      })
      .strict(),
    z.object({ runId: Id }),
  ),
  'scripts.stop': procedure(z.object({ runId: Id }).strict(), z.object({ stopped: z.boolean() })),
  /** The first 100 diagnostics in source order; `more` counts those left out. Computed off the app's thread. */
  'scripts.check': procedure(z.object({ source: Source }).strict(), z.object({ diagnostics: z.array(ScriptDiagnostic), more: z.number().int().min(0) })),
  'scripts.format': procedure(z.object({ source: Source }).strict(), z.object({ source: z.string() })),
  'scripts.templates': procedure(z.object({}).strict(), z.object({ items: z.array(ScriptTemplate) })),
  /** Sets (and registers with the queue when enabled) or clears a saved script's schedule. */
  'scripts.schedule.set': procedure(z.object({ id: Id, cron: z.string().trim().min(1).max(200), enabled: z.boolean() }).strict(), SavedScript),
  'scripts.schedule.clear': procedure(z.object({ id: Id }).strict(), SavedScript),
  /** Folders that scripts may read and change (Settings → Granted folders). */
  'scripts.folders.list': procedure(z.object({}).strict(), z.object({ items: z.array(z.string()) })),
  'scripts.folders.grant': procedure(z.object({ path: z.string().min(1).max(4096) }).strict(), z.object({ items: z.array(z.string()) })),
  'scripts.folders.revoke': procedure(z.object({ path: z.string().min(1).max(4096) }).strict(), z.object({ items: z.array(z.string()) })),
};

export const scriptEvents = {
  /** A chunk of a run's `print` / `loupe.log` output (may hold several lines). */
  'script.output': z.object({ runId: Id, text: z.string() }),
  /** A run ended: its value, or the error with its position. */
  'script.finished': z.object({
    runId: Id,
    ok: z.boolean(),
    value: z.unknown(),
    error: ScriptError.nullable(),
  }),
};
