import { basename } from 'node:path';
import { RedisTaskQueue, type Task, UnrecoverableError } from '../../queue/index';
import type { EmbedResult, VisionErrorCode } from '../../vision/index';
import type { Embedder } from '../vision/embedding-cache';
import type { BrokerWorker } from '../../../shared/contract/index';
import { EMBED_KIND, EmbedBatchInput, EmbedBatchResult, decodeVector } from './embed-kind';

/** A `loupe worker` as GET /v1/workers and the Tasks page show it (times ISO 8601, as every API time). */
export type WorkerView = BrokerWorker;

export interface BrokerOptions {
  log: (message: string, err?: unknown) => void;
  /** Pictures per task: a call of 32 becomes 32 / perTask tasks that workers share (default 8). */
  perTask?: number;
  leaseMs?: number;
}

const TERMINAL = new Set(['succeeded', 'dead', 'cancelled']);
/** A picture's own failures, kept as the worker reported them; anything else reads as corrupt. */
const PICTURE_CODES = new Set(['image_empty', 'image_corrupt', 'image_too_large', 'image_unsupported', 'image_not_found', 'image_not_a_file']);

/** The broker URL without its password, for health and Settings. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return 'redis://…';
  }
}

/**
 * `loupe serve --broker redis://…`: the compute kinds go to Redis, where `loupe worker`s on
 * any machine take them; the catalogue stays in the server's SQLite file. The server only
 * enqueues and collects: its own runner claims nothing, but its heartbeat hands back the
 * tasks of workers that vanished (their leases ran out), so work never waits on a dead one.
 */
export class BrokerService {
  readonly queue: RedisTaskQueue;
  readonly url: string;
  private readonly perTask: number;

  constructor(
    url: string,
    private readonly opts: BrokerOptions,
  ) {
    this.url = redactUrl(url);
    this.perTask = Math.max(1, opts.perTask ?? 8);
    this.queue = new RedisTaskQueue(url, {
      name: 'loupe',
      workerId: `server:${process.pid}`,
      leaseMs: opts.leaseMs ?? 30_000,
      heartbeatMs: 1000,
      pollMs: 250,
      workerInfo: { role: 'server' },
      redis: { maxRetriesPerRequest: 2 },
      consume: false,
    });
    // Defined to validate what the server enqueues; the server never runs it (consume: false).
    this.queue.define(EMBED_KIND, {
      input: EmbedBatchInput,
      maxAttempts: 3,
      handler: () => {
        throw new UnrecoverableError('The server does not embed; a `loupe worker` does.', 'not_a_worker');
      },
    });
    this.queue.on('error', (err) => opts.log('broker:', err));
    this.queue.start();
  }

  describe(): { kind: 'redis'; url: string } {
    return { kind: 'redis', url: this.url };
  }

  async workers(): Promise<WorkerView[]> {
    const [all, running] = await Promise.all([this.queue.workers(), this.queue.list({ state: 'running', limit: 1000 })]);
    const held = new Map<string, { id: string; kind: string; claimed: boolean }[]>();
    for (const t of running.items) {
      if (t.workerId === null) continue;
      const list = held.get(t.workerId) ?? [];
      list.push({ id: t.id, kind: t.kind, claimed: t.startedAt === null });
      held.set(t.workerId, list);
    }
    const now = Date.now();
    return all
      .filter((w) => w.role === 'worker')
      .map((w) => {
        const done = Number(w.done ?? 0);
        const minutes = Math.max(1 / 60, (now - w.startedAt) / 60_000);
        return {
          id: w.id,
          name: String(w.name ?? w.id),
          host: w.host,
          provider: String(w.provider ?? 'cpu'),
          slots: w.concurrency,
          running: w.running,
          current: held.get(w.id) ?? [],
          done,
          rate: Math.round((done / minutes) * 10) / 10,
          startedAt: new Date(w.startedAt).toISOString(),
          lastHeartbeat: new Date(w.heartbeatAt).toISOString(),
          state: w.alive ? 'alive' : 'lost',
        };
      });
  }

  /**
   * An Embedder for the embedding cache that sends the pictures to the workers: each call is
   * cut into tasks of `perTask` pictures, which workers take in parallel; each result is
   * checked (schema, the worker that sent it, every hash asked for) before it is used.
   */
  embedder(backbone: string): Embedder {
    return async (paths, { signal }) => {
      const hashes = paths.map((p) => basename(p).replace(/\.[^.]*$/, ''));
      const items = [];
      for (let i = 0; i < hashes.length; i += this.perTask) {
        const input: EmbedBatchInput = { backbone, hashes: hashes.slice(i, i + this.perTask) };
        items.push({ kind: EMBED_KIND, input, options: { maxAttempts: 3 } });
      }
      if (!(await this.queue.workers()).some((w) => w.role === 'worker' && w.alive)) {
        this.opts.log('broker: no `loupe worker` is registered and alive; the embedding waits on the broker until one starts');
      }
      const tasks = await this.queue.enqueueMany(items);
      const settled = await this.settle(tasks, signal);
      const byHash = new Map<string, EmbedResult>();
      const workers = new Set((await this.queue.workers()).filter((w) => w.role === 'worker').map((w) => w.id));
      for (const t of settled) {
        for (const [hash, r] of this.collect(t, workers)) byHash.set(hash, r);
      }
      return hashes.map((h) => byHash.get(h) ?? { ok: false, error: { code: 'inference_failed', message: 'No worker returned this picture.' } });
    };
  }

  private collect(t: Task, workers: Set<string>): [string, EmbedResult][] {
    const asked = (t.input as EmbedBatchInput).hashes;
    const failAll = (code: string, message: string): [string, EmbedResult][] =>
      asked.map((h) => [h, { ok: false, error: { code: 'inference_failed', message: `${code}: ${message}` } }]);
    if (t.state !== 'succeeded') return failAll(t.error?.code ?? t.state, t.error?.message ?? `the task ended ${t.state}`);
    if (t.workerId === null || !workers.has(t.workerId)) {
      this.opts.log(`broker: refused the result of task ${t.id} from an unknown worker "${t.workerId ?? '?'}"`);
      return failAll('unknown_worker', `the result came from "${t.workerId ?? '?'}", which is not a registered worker`);
    }
    const parsed = EmbedBatchResult.safeParse(t.result);
    if (!parsed.success) {
      this.opts.log(`broker: refused the malformed result of task ${t.id} from ${t.workerId}: ${parsed.error.issues[0]?.message ?? ''}`);
      return failAll('malformed_result', 'the worker sent a result that does not fit the embed-batch schema');
    }
    const r = parsed.data;
    const out: [string, EmbedResult][] = [];
    const wanted = new Set(asked);
    for (const item of r.items) {
      if (!wanted.has(item.hash)) continue;
      if ('error' in item) {
        const code = PICTURE_CODES.has(item.error.code) ? (item.error.code as VisionErrorCode) : 'image_corrupt';
        out.push([item.hash, { ok: false, error: { code, message: item.error.message } }]);
        continue;
      }
      const v = r.backbone === (t.input as EmbedBatchInput).backbone ? decodeVector(item.vector, r.dim) : null;
      out.push([
        item.hash,
        v
          ? { ok: true, embedding: v }
          : { ok: false, error: { code: 'inference_failed', message: 'The worker returned a vector of the wrong size or backbone.' } },
      ]);
    }
    return out;
  }

  /** Waits until every task has ended; cancelling the signal cancels those still waiting or running. */
  private async settle(tasks: Task[], signal?: AbortSignal): Promise<Task[]> {
    const done = new Map<string, Task>();
    let wait = 10;
    while (done.size < tasks.length) {
      if (signal?.aborted) {
        await Promise.all(tasks.filter((t) => !done.has(t.id)).map((t) => this.queue.cancel(t.id).catch(() => null)));
        throw signal.reason;
      }
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(100, wait * 2);
      const pending = tasks.filter((t) => !done.has(t.id));
      try {
        const now = await Promise.all(pending.map((t) => this.queue.get(t.id)));
        for (const t of now) if (t && TERMINAL.has(t.state)) done.set(t.id, t);
      } catch (err) {
        // The broker is unreachable (restarting, network): the tasks are safe there; ask again.
        this.opts.log('broker: waiting for results:', err);
        wait = 500;
      }
    }
    return tasks.map((t) => done.get(t.id)!);
  }

  async close(): Promise<void> {
    await this.queue.close({ deadlineMs: 1000 });
  }
}
