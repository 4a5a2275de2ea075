import { QueueError } from './errors';
import type { Registry } from './registry';
import type { NewTask, StepSpec, Storage, WorkflowSpec } from './store';
import type { EnqueueItem, EnqueueOptions, WorkflowKind } from './types';

export interface GroupOptions {
  mode?: 'failFast' | 'settleAll';
  queue?: string;
  parentId?: string;
}

function step(item: EnqueueItem): StepSpec {
  return { kind: item.kind, options: item.options as Record<string, unknown> | undefined };
}

/**
 * Builds chains, groups and chords. A workflow is a parent row (state `running`, never
 * claimed) whose children are ordinary tasks with a position; WorkflowStore advances it as
 * children settle. Everything is validated before anything is stored.
 */
export class Workflow {
  constructor(
    private readonly storage: Storage,
    private readonly registry: Registry,
  ) {}

  /** The first step gets `input`; each next step gets the previous step's result. */
  chain(items: EnqueueItem[], opts: GroupOptions = {}): number {
    if (!Array.isArray(items) || items.length === 0) throw new QueueError('invalid_option', 'A chain needs at least one step.');
    const first = this.registry.build(items[0].kind, items[0].input, items[0].options);
    for (const it of items.slice(1)) this.registry.get(it.kind);
    const spec: WorkflowSpec = { steps: items.map(step) };
    return this.storage.write(() => {
      const parent = this.insertParent('chain', spec, items.length, opts);
      this.storage.tasks.insert({ ...first, parentId: parent, position: 0 }, Date.now());
      return parent;
    });
  }

  /** Fans out; the parent's result is the children's results in order. */
  group(items: EnqueueItem[], opts: GroupOptions = {}): number {
    const mode = opts.mode ?? 'failFast';
    if (mode !== 'failFast' && mode !== 'settleAll') throw new QueueError('invalid_option', `mode must be 'failFast' or 'settleAll' (got "${String(mode)}").`);
    const rows = this.buildAll(items, 'A group');
    return this.storage.write(() => {
      const parent = this.insertParent('group', { mode }, rows.length, opts);
      this.insertChildren(parent, rows);
      return parent;
    });
  }

  /** A fail-fast group whose results array becomes the callback's input. */
  chord(items: EnqueueItem[], callback: { kind: string; options?: EnqueueOptions }, opts: GroupOptions = {}): number {
    const rows = this.buildAll(items, 'A chord');
    this.registry.get(callback.kind);
    const spec: WorkflowSpec = {
      mode: 'failFast',
      size: rows.length,
      callback: { kind: callback.kind, options: callback.options as Record<string, unknown> | undefined },
    };
    return this.storage.write(() => {
      const parent = this.insertParent('chord', spec, rows.length + 1, opts);
      this.insertChildren(parent, rows);
      return parent;
    });
  }

  private buildAll(items: EnqueueItem[], what: string): NewTask[] {
    if (!Array.isArray(items) || items.length === 0) throw new QueueError('invalid_option', `${what} needs at least one task.`);
    return items.map((it) => this.registry.build(it.kind, it.input, it.options));
  }

  private insertChildren(parent: number, rows: NewTask[]): void {
    const now = Date.now();
    rows.forEach((r, i) => this.storage.tasks.insert({ ...r, parentId: parent, position: i }, now));
  }

  private insertParent(kind: WorkflowKind, spec: WorkflowSpec, total: number, opts: GroupOptions): number {
    const now = Date.now();
    return this.storage.tasks.insert(
      {
        kind: `__${kind}`,
        queue: opts.queue ?? 'default',
        priority: 0,
        input: null,
        maxAttempts: 1,
        timeoutMs: null,
        dedupeKey: null,
        concurrencyKey: null,
        concurrencyLimit: null,
        parentId: opts.parentId !== undefined ? Number(opts.parentId) : null,
        position: null,
        workflow: kind,
        spec,
        childrenTotal: total,
        runAt: now,
        state: 'running',
      },
      now,
    ).id;
  }
}
