import { Redis, type RedisOptions } from 'ioredis';
import type { ListFilter, TaskState, WorkerInfo } from '../../types';
import type { TaskShape } from '../task-store';
import { CLAIM, COMMIT, ENQUEUE, TASK_FIELDS } from './lua-scripts';
import { CANCEL, FIRE, HEARTBEAT, PRUNE, REQUEUE, RETRY } from './lua-upkeep';
import { type RedisTaskRow, objToRow, taskArgs, toRow } from './rows';

const SCRIPTS = {
  loupeEnqueue: ENQUEUE,
  loupeClaim: CLAIM,
  loupeCommit: COMMIT,
  loupeHeartbeat: HEARTBEAT,
  loupeRequeue: REQUEUE,
  loupeCancel: CANCEL,
  loupeRetry: RETRY,
  loupeFire: FIRE,
  loupePrune: PRUNE,
} as const;
type ScriptName = keyof typeof SCRIPTS;
type Arg = string | number;
const INPUT_AT = TASK_FIELDS.indexOf('input');
type ScriptCall = (...args: Arg[]) => Promise<unknown>;

export interface ClaimRequest {
  workerId: string;
  leaseMs: number;
  /** Tasks wanted: free slots plus the ones to prefetch. */
  free: number;
  /** How many of them start at once (the free slots); the rest are prefetched and read as claimed. */
  start: number;
  kinds: { kind: string; left: number; rateMax: number; rateIntervalMs: number }[];
  queueLeft: Record<string, number>;
}

export interface FinishItem {
  id: number;
  fence: string;
  type: 's' | 'f' | 'c' | 'i';
  a?: string;
  b?: string;
  c?: string;
  d?: string;
  /** When it started, on the server's clock, if that start (prefetched) was not written yet. */
  s?: string;
}

export interface CommitRequest {
  /** Prefetched tasks that began since the last turn, with when (the server's clock). */
  starts: { id: number; fence: string; at: number }[];
  finish: FinishItem[];
  progress: { id: number; fence: string; progress: number; message: string | null }[];
  logs: { id: number; entry: string }[];
}

/** Opens a client for `redis://` or `rediss://` (TLS) URLs, password included, or wraps one given. */
export function connectRedis(target: string | Redis, options: RedisOptions = {}): Redis {
  if (typeof target !== 'string') return target;
  if (!/^rediss?:\/\//.test(target)) throw new Error(`"${target}" is not a redis:// or rediss:// URL.`);
  return new Redis(target, { maxRetriesPerRequest: 3, lazyConnect: false, ...options });
}

/**
 * The queue's storage on Redis: every write is one of the Lua scripts (atomic on the
 * server), reads are plain commands. Keys start with `{loupe:NAME}:` (a hash tag, so the
 * queue works on Redis Cluster); see lua-common.ts for the layout.
 */
export class RedisStore {
  readonly prefix: string;

  constructor(
    readonly redis: Redis,
    name = 'main',
  ) {
    this.prefix = `{loupe:${name}}:`;
    for (const [cmd, lua] of Object.entries(SCRIPTS)) {
      if (!(cmd in redis)) redis.defineCommand(cmd, { numberOfKeys: 1, lua });
    }
  }

  private run(name: ScriptName, args: Arg[]): Promise<unknown> {
    return (this.redis as unknown as Record<ScriptName, ScriptCall>)[name](this.prefix, ...args);
  }

  async enqueue(
    shapes: readonly TaskShape[],
    inputs: readonly unknown[],
    clientNow: number,
    specs?: (string | undefined)[],
  ): Promise<{ now: number; ids: number[]; existing: (RedisTaskRow | null)[] }> {
    // Runs of items that share one shape (the registry hands a batch's plain items one object) go as one
    // group: its fields once, then the inputs.
    const args: Arg[] = [clientNow, 0];
    let groups = 0;
    for (let i = 0; i < shapes.length;) {
      let j = i + 1;
      if (specs?.[i] === undefined) while (j < shapes.length && shapes[j] === shapes[i] && specs?.[j] === undefined) j++;
      const fields = taskArgs(shapes[i], undefined, { spec: specs?.[i] });
      fields[INPUT_AT] = '';
      args.push(j - i, ...fields);
      for (let k = i; k < j; k++) args.push(inputs[k] === undefined ? 'null' : JSON.stringify(inputs[k]));
      groups++;
      i = j;
    }
    args[1] = groups;
    const reply = (await this.run('loupeEnqueue', args)) as unknown[];
    const ids: number[] = [];
    const existing: (RedisTaskRow | null)[] = [];
    for (let i = 1; i < reply.length; i += 2) {
      ids.push(Number(reply[i]));
      existing.push(reply[i + 1] === 0 ? null : toRow(reply[i + 1]));
    }
    return { now: Number(reply[0]), ids, existing };
  }

  private claimArgs(r: ClaimRequest): Arg[] {
    const args: Arg[] = [r.workerId, r.leaseMs, r.free, 8, r.start, r.kinds.length];
    for (const k of r.kinds) args.push(k.kind, k.left, k.rateMax, k.rateIntervalMs);
    const q = Object.entries(r.queueLeft);
    args.push(q.length);
    for (const [name, left] of q) args.push(name, left);
    return args;
  }

  private commitArgs(commit: CommitRequest): Arg[] {
    const args: Arg[] = [commit.starts.length];
    for (const st of commit.starts) args.push(st.id, st.fence, st.at);
    args.push(commit.finish.length);
    for (const f of commit.finish) args.push(f.id, f.fence, f.type, f.a ?? '', f.b ?? '', f.c ?? '', f.d ?? '', f.s ?? '');
    args.push(commit.progress.length);
    for (const p of commit.progress) args.push(p.id, p.fence, p.progress, p.message === null ? '' : `=${p.message}`);
    args.push(commit.logs.length);
    for (const l of commit.logs) args.push(l.id, l.entry);
    return args;
  }

  /**
   * One round trip per runner turn: what finished (fenced), then a claim. Two scripts in one
   * pipeline; each is atomic, and a commit that fails leaves its items for the next turn.
   */
  async turn(
    commit: CommitRequest | null,
    claim: ClaimRequest | null,
  ): Promise<{
    committed: { oks: number[]; touched: number[] } | null;
    claimed: { now: number; wakeAt: number | null; nextDue: number | null; rows: RedisTaskRow[] } | null;
  }> {
    const p = this.redis.pipeline() as unknown as Record<ScriptName, (...a: Arg[]) => unknown> & { exec(): Promise<[Error | null, unknown][] | null> };
    if (commit) p.loupeCommit(this.prefix, ...this.commitArgs(commit));
    if (claim) p.loupeClaim(this.prefix, ...this.claimArgs(claim));
    const res = (await p.exec()) ?? [];
    let i = 0;
    let committed = null;
    if (commit) {
      const [err, v] = res[i++];
      if (err) throw err;
      const [oks, touched] = v as [number[], number[]];
      committed = { oks, touched };
    }
    let claimed = null;
    if (claim) {
      const [err, v] = res[i++];
      if (err) throw err;
      const r = v as unknown[];
      claimed = {
        now: Number(r[0]),
        wakeAt: Number(r[1]) < 0 ? null : Number(r[1]),
        nextDue: Number(r[2]) < 0 ? null : Number(r[2]),
        rows: r.slice(3).map((x) => toRow(typeof x === 'string' ? x.split('\0') : x)!),
      };
    }
    return { committed, claimed };
  }

  async heartbeat(
    workerId: string,
    leaseMs: number,
    info: string,
    mine: boolean,
    held: { id: number; fence: string }[],
  ): Promise<{
    now: number;
    lost: number[];
    cancels: number[];
    touched: number[];
  }> {
    const args: Arg[] = [workerId, leaseMs, info, mine ? '1' : '0', held.length];
    for (const h of held) args.push(h.id, h.fence);
    const [now, lost, cancels, touched] = (await this.run('loupeHeartbeat', args)) as [number, number[], number[], number[]];
    return { now, lost, cancels, touched };
  }

  async requeue(workerId: string, held: { id: number; fence: string }[]): Promise<number> {
    const args: Arg[] = [workerId, held.length];
    for (const h of held) args.push(h.id, h.fence);
    return Number(await this.run('loupeRequeue', args));
  }

  async cancel(id: number): Promise<{ outcome: 'missing' | 'noop' | 'cancelled' | 'requested'; touched: number[] }> {
    const [outcome, touched] = (await this.run('loupeCancel', [id])) as [string, number[]];
    return { outcome: outcome as 'missing', touched };
  }

  async retry(id: number): Promise<string> {
    return String(await this.run('loupeRetry', [id]));
  }

  async fire(name: string, dueAt: number, next: number, run: boolean, clientNow: number, shape: TaskShape | null, input: unknown): Promise<number> {
    const args: Arg[] = [name, dueAt, next, run && shape ? '1' : '0', clientNow];
    if (run && shape) args.push(...taskArgs(shape, input));
    return Number(await this.run('loupeFire', args));
  }

  async prune(states: TaskState[], before: number): Promise<number> {
    let deleted = 0;
    let offset = 0;
    for (;;) {
      const [d, scanned] = (await this.run('loupePrune', [before, offset, 500, states.length, ...states])) as [number, number];
      deleted += d;
      offset += scanned - d;
      if (scanned < 500) return deleted;
    }
  }

  async row(id: number): Promise<RedisTaskRow | null> {
    if (!(id > 0)) return null;
    return objToRow(await this.redis.hgetall(`${this.prefix}t:${id}`));
  }

  async rows(ids: number[]): Promise<RedisTaskRow[]> {
    if (ids.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of ids) p.hgetall(`${this.prefix}t:${id}`);
    const res = (await p.exec()) ?? [];
    return res.map(([, v]) => objToRow(v as Record<string, string>)).filter((r): r is RedisTaskRow => r !== null);
  }

  /** Newest first: ids from the state sets (or every id), filtered by kind, queue and parent as they are read. */
  async list(f: ListFilter, limit: number, cursor: number | null): Promise<RedisTaskRow[]> {
    const states = f.state === undefined ? null : Array.isArray(f.state) ? f.state : [f.state];
    const sets = states === null ? [`${this.prefix}all`] : states.map((s) => `${this.prefix}s:${s}`);
    if (f.parentId !== undefined)
      return (await this.children(Number(f.parentId)))
        .filter((r) => match(r))
        .sort((a, b) => b.id - a.id)
        .slice(0, limit);
    const out: RedisTaskRow[] = [];
    let max = cursor === null ? '+inf' : `(${cursor}`;
    const batch = Math.max(limit, 100);
    for (;;) {
      const idLists = await Promise.all(sets.map((s) => this.redis.zrevrangebyscore(s, max, '-inf', 'LIMIT', 0, batch)));
      const ids = [...new Set(idLists.flat().map(Number))].sort((a, b) => b - a).slice(0, batch);
      if (ids.length === 0) return out;
      for (const r of await this.rows(ids)) {
        if (match(r)) out.push(r);
        if (out.length >= limit) return out;
      }
      if (idLists.every((l) => l.length < batch)) return out;
      max = `(${ids[ids.length - 1]}`;
    }
    function match(r: RedisTaskRow): boolean {
      return (states === null || states.includes(r.state)) && (f.kind === undefined || r.kind === f.kind) && (f.queue === undefined || r.queue === f.queue);
    }
  }

  async children(parentId: number): Promise<RedisTaskRow[]> {
    const ids = await this.redis.lrange(`${this.prefix}c:${parentId}`, 0, -1);
    const rows = await this.rows(ids.map(Number));
    return rows.sort((a, b) => (a.position ?? 0) - (b.position ?? 0) || a.id - b.id);
  }

  async history(id: number): Promise<string[]> {
    return this.redis.lrange(`${this.prefix}h:${id}`, 0, -1);
  }

  async logs(id: number, limit: number): Promise<string[]> {
    return this.redis.lrange(`${this.prefix}l:${id}`, 0, limit - 1);
  }

  async counts(): Promise<{ kind: string; state: TaskState; n: number }[]> {
    const h = await this.redis.hgetall(`${this.prefix}n`);
    return Object.entries(h)
      .map(([k, v]) => ({ kind: k.slice(0, k.lastIndexOf('|')), state: k.slice(k.lastIndexOf('|') + 1) as TaskState, n: Number(v) }))
      .filter((c) => c.n > 0);
  }

  /** Tasks finished since `since` (newest first, at most 50,000), for throughput and latency. */
  async finishedSince(since: number): Promise<{ state: TaskState; started_at: number | null; created_at: number; finished_at: number }[]> {
    const ids = await this.redis.zrevrangebyscore(`${this.prefix}fin`, '+inf', since, 'LIMIT', 0, 50_000);
    const out: { state: TaskState; started_at: number | null; created_at: number; finished_at: number }[] = [];
    for (let i = 0; i < ids.length; i += 1000) {
      const p = this.redis.pipeline();
      for (const id of ids.slice(i, i + 1000)) p.hmget(`${this.prefix}t:${id}`, 'state', 'started_at', 'created_at', 'finished_at');
      for (const [, v] of (await p.exec()) ?? []) {
        const [state, started, created, fin] = v as (string | null)[];
        if (state === null || fin === null) continue;
        out.push({ state: state as TaskState, started_at: started === null ? null : Number(started), created_at: Number(created), finished_at: Number(fin) });
      }
    }
    return out;
  }

  /** Registered runners with their last heartbeat on the server's clock. */
  async workers(): Promise<{ info: Record<string, unknown>; heartbeatAt: number }[]> {
    const [infos, beats] = await Promise.all([this.redis.hgetall(`${this.prefix}w`), this.redis.zrange(`${this.prefix}wb`, 0, '-1', 'WITHSCORES')]);
    const at = new Map<string, number>();
    for (let i = 0; i < beats.length; i += 2) at.set(beats[i], Number(beats[i + 1]));
    return Object.entries(infos).map(([id, json]) => ({ info: { ...(JSON.parse(json) as Partial<WorkerInfo>), id }, heartbeatAt: at.get(id) ?? 0 }));
  }

  async time(): Promise<number> {
    const [s, us] = await this.redis.time();
    return Number(s) * 1000 + Math.floor(Number(us) / 1000);
  }

  async nextDueAt(): Promise<number | null> {
    const r = await this.redis.zrange(`${this.prefix}d`, 0, '0', 'WITHSCORES');
    return r.length > 1 ? Number(r[1]) : null;
  }

  pause(name: string): Promise<unknown> {
    return this.redis.sadd(`${this.prefix}paused`, name);
  }

  resume(name: string | null): Promise<unknown> {
    return name === null ? this.redis.del(`${this.prefix}paused`) : this.redis.srem(`${this.prefix}paused`, name);
  }

  async paused(): Promise<string[]> {
    return (await this.redis.smembers(`${this.prefix}paused`)).sort();
  }

  // Schedules: the definition as JSON, the due time in a sorted set (advanced by the FIRE script).
  async scheduleGet(name: string): Promise<{ def: Record<string, unknown>; nextRunAt: number; lastRunAt: number | null } | null> {
    const [json, next, last] = await Promise.all([
      this.redis.hget(`${this.prefix}sch`, name),
      this.redis.zscore(`${this.prefix}schq`, name),
      this.redis.hget(`${this.prefix}schl`, name),
    ]);
    if (json === null || next === null) return null;
    return { def: JSON.parse(json) as Record<string, unknown>, nextRunAt: Number(next), lastRunAt: last === null ? null : Number(last) };
  }

  async scheduleNames(): Promise<string[]> {
    return (await this.redis.hkeys(`${this.prefix}sch`)).sort();
  }

  async scheduleDue(now: number): Promise<{ name: string; dueAt: number }[]> {
    const r = await this.redis.zrangebyscore(`${this.prefix}schq`, '-inf', now, 'WITHSCORES');
    const out: { name: string; dueAt: number }[] = [];
    for (let i = 0; i < r.length; i += 2) out.push({ name: r[i], dueAt: Number(r[i + 1]) });
    return out;
  }

  async scheduleNext(): Promise<number | null> {
    const r = await this.redis.zrange(`${this.prefix}schq`, 0, '0', 'WITHSCORES');
    return r.length > 1 ? Number(r[1]) : null;
  }

  async schedulePut(name: string, def: Record<string, unknown>, nextRunAt: number): Promise<void> {
    await this.redis.multi().hset(`${this.prefix}sch`, name, JSON.stringify(def)).zadd(`${this.prefix}schq`, nextRunAt, name).exec();
  }

  async scheduleRemove(name: string): Promise<boolean> {
    const res = await this.redis.multi().hdel(`${this.prefix}sch`, name).zrem(`${this.prefix}schq`, name).hdel(`${this.prefix}schl`, name).exec();
    return Number(res?.[0]?.[1] ?? 0) > 0;
  }
}
