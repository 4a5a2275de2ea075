import { z } from 'zod';
import type { CallOutput, HandlerInput } from '../../../shared/contract/index';
import type { SavedScript, ScriptError } from '../../../shared/contract/scripts';
import { LoupeError } from '../../../shared/errors';
import { parseCron, QueueError, UnrecoverableError } from '../../queue/index';
import type { ScriptRepository, Store } from '../../store/index';
import { ScriptChildren, runScript, type ScriptOutcome } from './script-runner';
import type { SpawnChild } from '../../queue/index';
import type { Emit } from '../events';
import type { LibraryService } from '../library/index';
import type { TaskService } from '../tasks/index';
import type { VisionService } from '../vision/index';
import { GrantedFolders } from './granted-folders';
import { LangTools } from './lang-tools';
import { createLoupeModule, type RunReporter } from './loupe-module';
import { capMessage, jsonSizeWithin, MAX_RESULT_VALUE_BYTES, sizeText } from './limits';
import { TEMPLATES } from './templates';

export const ScriptTaskInput = z
  .object({
    source: z.string().max(1_000_000).optional(),
    scriptId: z.string().min(1).max(64).optional(),
    timeoutMs: z
      .number()
      .int()
      .min(1)
      .max(6 * 3600_000)
      .optional(),
    /** Set by the script's schedule: three failed scheduled runs in a row pause the schedule. */
    scheduled: z.boolean().optional(),
  })
  .strict()
  .refine((v) => v.source !== undefined || v.scriptId !== undefined, { message: 'A script task needs "source" or "scriptId".' });
export type ScriptTaskInput = z.infer<typeof ScriptTaskInput>;

/** A task's script may run an hour unless its input says otherwise; the queue's own cap sits above. */
const TASK_TIMEOUT_MS = 3600_000;
const scheduleName = (id: string) => `script:${id}`;
/** Failed scheduled runs in a row after which the schedule is paused. */
export const PAUSE_AFTER_FAILURES = 3;

export interface ScriptServiceDeps {
  library: LibraryService;
  tasks: TaskService;
  vision: VisionService;
  emit: Emit;
  log: (message: string, err?: unknown) => void;
  /** How script children start (Electron: utilityProcess); child_process.fork when absent. */
  spawn?: SpawnChild;
  /** Tests only (see AppConfig.scripts). */
  unsafeNoCounting?: boolean;
}

/**
 * Scripts: saved sources, their schedules, and runs. Every run happens in a worker thread
 * (workers/script-host); a run from the Scripts page or `POST /v1/tasks` is a `script` task,
 * `POST /v1/scripts/run` a direct run that answers when it ends.
 */
export class ScriptService {
  readonly repo: ScriptRepository;
  readonly folders: GrantedFolders;
  /** Every run happens in one of these child processes, so no script can take the app down. */
  private readonly children: ScriptChildren;
  /** Check and format run in a worker thread: a huge source must not stall the app. */
  private readonly lang = new LangTools();

  constructor(
    store: Store,
    private readonly deps: ScriptServiceDeps,
  ) {
    this.repo = store.scripts;
    this.children = new ScriptChildren(deps.spawn);
    this.folders = new GrantedFolders(store.settings);
    deps.tasks.queue.define('script', {
      input: ScriptTaskInput,
      maxAttempts: 1,
      concurrency: 2,
      timeoutMs: 6 * 3600_000 + 60_000,
      handler: (input, ctx) => this.runTask(input, ctx),
    });
    // Schedules live in the queue's database too; re-registering keeps their due times.
    for (const s of this.repo.list()) if (s.schedule?.enabled) this.register(s.id, s.schedule.cron, true);
  }

  private host(report: RunReporter) {
    return (write: (text: string) => void) =>
      createLoupeModule({ library: this.deps.library, tasks: this.deps.tasks, vision: this.deps.vision, folders: this.folders }, report, write);
  }

  private async runTask(input: ScriptTaskInput, ctx: { id: string; signal: AbortSignal; progress(f: number, m?: string): void; log(m: string): void }) {
    let source = input.source;
    if (source === undefined) {
      const saved = this.repo.get(input.scriptId!);
      if (!saved) throw new UnrecoverableError(`Script ${input.scriptId} no longer exists.`, 'not_found');
      source = saved.source;
    }
    const out = (text: string) => this.deps.emit('script.output', { runId: ctx.id, text });
    const outcome = await runScript({
      source,
      host: this.host({ log: (m) => ctx.log(m), progress: (f) => ctx.progress(f) }),
      timeoutMs: input.timeoutMs ?? TASK_TIMEOUT_MS,
      signal: ctx.signal,
      onOutput: out,
      children: this.children,
      unsafeNoCounting: this.deps.unsafeNoCounting,
    });
    // What a run leaves in the database is bounded (limits.ts): its output is capped by the
    // runner; a huge return value is stored as nil with a note, a huge error message cut.
    const stored = storable(outcome);
    this.deps.emit('script.finished', { runId: ctx.id, ok: stored.ok, value: stored.ok ? stored.value : null, error: stored.ok ? null : toError(stored) });
    if (input.scheduled && input.scriptId !== undefined) this.noteScheduledRun(input.scriptId, stored);
    if (!stored.ok) {
      const e = stored.error;
      throw new UnrecoverableError(
        `${e.message} (line ${e.line}, column ${e.column})`,
        e.kind === 'limit' && e.message === 'Cancelled.' ? 'cancelled' : 'script_error',
      );
    }
    return { output: stored.output, value: stored.value ?? null };
  }

  /**
   * A scheduled script that fails again and again (a script that crashes its process at every
   * tick, say) is paused after PAUSE_AFTER_FAILURES failures in a row, with the last error as
   * the reason; a stop by the person is not a failure.
   */
  private noteScheduledRun(id: string, outcome: ScriptOutcome): void {
    if (!outcome.ok && outcome.error.message === 'Cancelled.') return;
    const failures = this.repo.noteScheduledRun(id, outcome.ok);
    if (outcome.ok || failures < PAUSE_AFTER_FAILURES) return;
    const e = outcome.error;
    const reason = `Paused after ${failures} failed runs in a row. Last error: ${e.message} (line ${e.line}, column ${e.column}).`;
    this.deps.tasks.queue.unschedule(scheduleName(id));
    this.repo.pauseSchedule(id, reason);
    this.deps.log(`Script ${id}: ${reason}`);
  }

  /** Runs a script here and now (off this thread) and answers when it ends. */
  runNow(source: string, timeoutMs: number, signal?: AbortSignal): Promise<ScriptOutcome> {
    // No task to report to: log lines are only output.
    return runScript({
      source,
      timeoutMs,
      signal,
      host: this.host({ log: () => {}, progress: () => {} }),
      children: this.children,
      unsafeNoCounting: this.deps.unsafeNoCounting,
    });
  }

  run(input: HandlerInput<'scripts.run'>): CallOutput<'scripts.run'> {
    // The source runs as given (the editor's text, saved or not); scriptId records which script it is.
    const t = this.deps.tasks.enqueue({
      kind: 'script',
      input: { source: input.source, ...(input.scriptId ? { scriptId: input.scriptId } : {}), ...(input.timeoutMs ? { timeoutMs: input.timeoutMs } : {}) },
      maxAttempts: 1,
    });
    return { runId: t.id };
  }

  stop(runId: string): { stopped: boolean } {
    const t = this.deps.tasks.get(runId);
    if (t.kind !== 'script') throw new LoupeError('not_found', `No script run ${runId}.`);
    if (t.state !== 'queued' && t.state !== 'running') return { stopped: false };
    this.deps.tasks.cancel(runId);
    return { stopped: true };
  }

  get(id: string): SavedScript {
    const s = this.repo.get(id);
    if (!s) throw new LoupeError('not_found', `No script ${id}.`);
    return s;
  }

  save(input: HandlerInput<'scripts.save'>): SavedScript {
    if (input.id === undefined) return this.repo.create(input.name ?? 'Untitled script', input.source ?? '');
    this.get(input.id);
    return this.repo.update(input.id, { name: input.name, source: input.source })!;
  }

  delete(id: string): boolean {
    const s = this.repo.get(id);
    if (!s) return false;
    if (s.schedule?.enabled) this.deps.tasks.queue.unschedule(scheduleName(id));
    return this.repo.delete(id);
  }

  setSchedule(id: string, cron: string, enabled: boolean): SavedScript {
    this.get(id);
    this.register(id, cron, enabled);
    return this.repo.setSchedule(id, { cron, enabled })!;
  }

  clearSchedule(id: string): SavedScript {
    this.get(id);
    this.deps.tasks.queue.unschedule(scheduleName(id));
    return this.repo.setSchedule(id, null)!;
  }

  private register(id: string, cron: string, enabled: boolean): void {
    try {
      // A paused schedule is still checked, so it can be turned on later as written.
      parseCron(cron);
      if (enabled)
        this.deps.tasks.queue.schedule(scheduleName(id), cron, 'script', { scriptId: id, scheduled: true }, { catchUp: 'once', enqueue: { maxAttempts: 1 } });
      else this.deps.tasks.queue.unschedule(scheduleName(id));
    } catch (err) {
      if (err instanceof QueueError) throw new LoupeError('validation', err.message, 'cron');
      throw err;
    }
  }

  /** Diagnostics (the first MAX_DIAGNOSTICS; `more` counts the rest), computed off this thread. */
  async check(source: string) {
    // Someone is editing a script: have a child ready for when they run it.
    this.children.prewarm();
    const { diagnostics, more } = await this.lang.check(source);
    return {
      diagnostics: diagnostics.map((d) => ({
        line: d.line,
        column: d.column,
        endLine: d.endLine ?? d.line,
        endColumn: d.endColumn ?? d.column + 1,
        message: d.message,
        severity: d.severity,
      })),
      more,
    };
  }

  async format(source: string): Promise<{ source: string }> {
    return { source: await this.lang.format(source) };
  }

  /** Ends the script children (after the queue stopped its runs). */
  async close(): Promise<void> {
    await Promise.all([this.children.close(), this.lang.close()]);
  }

  templates() {
    return { items: TEMPLATES };
  }
}

/** An outcome whose value and error message fit what a task may store. */
function storable(o: ScriptOutcome): ScriptOutcome {
  if (!o.ok) return { ...o, error: { ...o.error, message: capMessage(o.error.message) } };
  if (jsonSizeWithin(o.value, MAX_RESULT_VALUE_BYTES) <= MAX_RESULT_VALUE_BYTES) return o;
  return { ok: true, value: null, output: `${o.output}[the value is larger than ${sizeText(MAX_RESULT_VALUE_BYTES)} and was not kept]\n` };
}

function toError(o: Extract<ScriptOutcome, { ok: false }>): ScriptError {
  return { kind: o.error.kind, message: o.error.message, line: o.error.line, column: o.error.column };
}
