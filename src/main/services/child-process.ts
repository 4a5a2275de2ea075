// Child processes for CPU-heavy vision work (inference, training), as ARCHITECTURE.md asks:
// "Heavy CPU work goes to utility processes (utilityProcess.fork); headless: child_process.fork".
// The spawn is pluggable with the same shape as the queue's process pool (queue/child-protocol.ts):
// the headless shell and tests use child_process.fork (the default here), the Electron shell
// passes an adapter around utilityProcess.fork (electron.ts), the only file that may import it.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChildLike as QueueChild, SpawnOptions } from '../queue/index';

/**
 * The queue's process handle (queue/child-protocol.ts), with messages of any shape: the vision
 * hosts speak their own protocols over it. One adapter (Electron's utilityProcess) serves both.
 */
export type ChildLike = Omit<QueueChild, 'send' | 'onMessage'> & {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
};

export type SpawnChild = (entryPath: string, options: SpawnOptions) => ChildLike;

/** The headless default: `child_process.fork` with V8 serialization, so typed arrays cross as they are. */
export const forkChild: SpawnChild = (entry, opts) => {
  const cp = fork(entry, [], { execArgv: opts.execArgv, env: opts.env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // A child that died leaves its channel closed: a late send must not throw in the parent.
  cp.on('error', () => undefined);
  return {
    pid: cp.pid,
    send: (m) => {
      if (cp.connected) cp.send(m as object, (err) => err && undefined);
    },
    onMessage: (l) => void cp.on('message', l),
    onExit: (l) => void cp.on('exit', (code, signal) => l(code, signal)),
    kill: () => void cp.kill('SIGKILL'),
  };
};

/**
 * Where a worker entry (src/main/workers/NAME.ts) is and how to start it: from source (tests,
 * tsx) the child loads TypeScript through tsx; built, it is out/main/NAME.js, beside the entry or
 * one folder above the chunk holding this code.
 */
export function childEntry(name: string): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (extname(here) === '.ts') {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json')).href.replace(/package\.json$/, 'dist/loader.mjs');
    return { file: join(dirname(here), '..', 'workers', `${name}.ts`), execArgv: ['--import', tsx] };
  }
  const near = join(dirname(here), `${name}.js`);
  return { file: existsSync(near) ? near : join(dirname(here), '..', `${name}.js`), execArgv: [] };
}

export interface WorkerProcessOptions {
  spawn?: SpawnChild;
  /** V8 heap cap of the child (--max-old-space-size), MB. */
  heapMb: number;
  /** Resident memory cap, MB, watched from the child's reports (typed arrays live outside the heap); none when absent. */
  rssCapMb?: number;
  onMessage(message: { t: string } & Record<string, unknown>): void;
  /** The child is gone: `why` says how, in words ("was stopped: it used 900 MB…", "stopped unexpectedly (signal SIGKILL)"). */
  onExit(why: string): void;
}

/**
 * One worker child: started from its entry, ready once it says so, watched for memory and
 * for its exit. Exits are reported once, with the reason in words.
 */
export class WorkerProcess {
  private readonly child: ChildLike;
  private readonly readyPromise: Promise<void>;
  private killedFor: string | null = null;
  private exitedFlag = false;
  private markExited!: () => void;
  /** Resolves once the child has exited, however it ended. */
  readonly whenExited = new Promise<void>((resolve) => (this.markExited = resolve));

  constructor(
    name: string,
    private readonly opts: WorkerProcessOptions,
  ) {
    const { file, execArgv } = childEntry(name);
    if (!existsSync(file)) throw new Error(`The ${name} entry is missing: ${file}`);
    this.child = (opts.spawn ?? forkChild)(file, { execArgv: [...execArgv, `--max-old-space-size=${opts.heapMb}`], env: process.env });
    let ready!: () => void;
    let failed!: (err: Error) => void;
    this.readyPromise = new Promise<void>((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    this.child.onMessage((raw) => {
      const m = raw as { t: string } & Record<string, unknown>;
      if (m.t === 'ready') ready();
      else if (m.t === 'mem') {
        const rss = m.rss as number;
        if (opts.rssCapMb && rss > opts.rssCapMb * 1048576 && !this.killedFor) {
          this.kill(`was stopped: it used ${Math.round(rss / 1048576)} MB, more than its cap of ${opts.rssCapMb} MB`);
        }
      } else opts.onMessage(m);
    });
    this.child.onExit((code, signal) => {
      this.exitedFlag = true;
      const oom = code === 134 || signal === 'SIGABRT' || signal === 'SIGTRAP';
      const why = this.killedFor
        ?? (oom ? `ran out of its ${opts.heapMb} MB heap` : `stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`);
      failed(new Error(why));
      this.markExited();
      opts.onExit(why);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): boolean {
    return this.exitedFlag;
  }

  /** Resolves when the child listens; rejects with how it ended if it dies first. */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  send(message: unknown): void {
    if (!this.exitedFlag) this.child.send(message);
  }

  /** Ends the child at once; `why` is what its exit reports. */
  kill(why: string): void {
    if (this.exitedFlag) return;
    this.killedFor ??= why;
    this.child.kill();
  }
}
