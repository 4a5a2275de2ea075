// The temporary files that predict-folder writes beside its output, remembered in the data
// folder so that a crash (kill -9, power cut) cannot leave them behind for good.
//
// The CSV is written to a temporary name beside the output and published with a hard link
// (atomic, and it never replaces a file). A process killed meanwhile leaves that temporary
// file in the person's folder. Its name is recorded here before it is created, and its
// identity (device, inode and birth time) before a byte is written; when its task ends (or is found ended at start-up, or starts again)
// the file is removed, but only if that name still holds the very file Loupe created. A
// file someone else put under that name since is left alone: Loupe removes only its own.
import { mkdirSync } from 'node:fs';
import { lstat, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';

/** dev + ino name a file, but a freed inode number is soon given to a new file: its birth time tells them apart ('0' where the file system keeps none). */
const Known = z.object({ path: z.string().min(1), dev: z.string(), ino: z.string(), born: z.string() }).strict();
/**
 * A name about to be created (`intended`: when, ms since the epoch). A kill between creating
 * the file and recording its identity would otherwise leave it unrecorded. The name holds a
 * random UUID, so a file under it that was born after the intent is Loupe's.
 */
const Intended = z.object({ path: z.string().min(1), intended: z.string().regex(/^\d+$/) }).strict();
const Entry = z.union([Known, Intended]);
type Entry = z.infer<typeof Entry>;
/** The names predict-folder gives its temporary files (`.OUTPUT.UUID.tmp`): an intent names nothing else. */
const TEMP_NAME = /^\..+\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tmp$/;
/** File systems stamp birth times from a coarse clock, a few ms behind Date.now(). */
const CLOCK_SLACK_MS = 1000n;

/** Task ids are the queue's; anything else in the folder is not ours to read. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export class TempOutputs {
  constructor(private readonly dir: string) {}

  private entryPath(taskId: string): string {
    if (!ID.test(taskId)) throw new Error(`unexpected task id ${taskId}`);
    return join(this.dir, `${taskId}.json`);
  }

  /** Records that task `taskId` is about to create `path` (a name with a random part), before it does. */
  async intend(taskId: string, path: string): Promise<void> {
    await this.write(taskId, { path, intended: String(Date.now()) });
  }

  /** Records `path`, just created exclusively by task `taskId`, before anything is written to it. */
  async record(taskId: string, path: string): Promise<void> {
    const s = await lstat(path, { bigint: true });
    await this.write(taskId, { path, dev: String(s.dev), ino: String(s.ino), born: String(s.birthtimeNs) });
  }

  private async write(taskId: string, entry: Entry): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const file = this.entryPath(taskId);
    // Written whole under another name, then renamed: a crash never leaves half an entry.
    await writeFile(`${file}.new`, JSON.stringify(entry));
    await rename(`${file}.new`, file);
  }

  /** The task is over with its temporary file (published and removed): forget it. */
  async forget(taskId: string): Promise<void> {
    await unlink(this.entryPath(taskId)).catch(() => {});
  }

  /** Removes the task's leftover temporary file, if it is still the one Loupe created, and forgets it. */
  async clean(taskId: string): Promise<'removed' | 'gone' | 'replaced' | 'none'> {
    let entry: Entry;
    try {
      entry = Entry.parse(JSON.parse(await readFile(this.entryPath(taskId), 'utf8')));
    } catch {
      await this.forget(taskId);
      return 'none';
    }
    let outcome: 'removed' | 'gone' | 'replaced' = 'gone';
    const s = await lstat(entry.path, { bigint: true }).catch(() => null);
    if (s) {
      const ours =
        'intended' in entry
          ? TEMP_NAME.test(basename(entry.path)) && (s.birthtimeNs === 0n || s.birthtimeNs >= (BigInt(entry.intended) - CLOCK_SLACK_MS) * 1_000_000n)
          : String(s.dev) === entry.dev && String(s.ino) === entry.ino && String(s.birthtimeNs) === entry.born;
      if (s.isFile() && ours) {
        await unlink(entry.path);
        outcome = 'removed';
      } else outcome = 'replaced';
    }
    await this.forget(taskId);
    return outcome;
  }

  /**
   * An entry left as `ID.json.new` (killed between writing it and renaming it into place): a
   * whole one still names a temporary file that may exist, so its rename is finished; half of
   * one is dropped. Answers whether the entry now stands.
   */
  private async finishRecord(taskId: string): Promise<boolean> {
    const file = this.entryPath(taskId);
    let whole = false;
    try {
      whole = Entry.safeParse(JSON.parse(await readFile(`${file}.new`, 'utf8'))).success;
    } catch {
      // unreadable or half written
    }
    if (whole) await rename(`${file}.new`, file);
    else await unlink(`${file}.new`).catch(() => {});
    return whole;
  }

  /** Start-up: cleans every recorded file whose task is no longer live (`live` says which are). */
  async sweep(live: (taskId: string) => boolean): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names) {
      const pending = name.endsWith('.json.new');
      const id = pending ? name.slice(0, -9) : name.endsWith('.json') ? name.slice(0, -5) : '';
      if (!ID.test(id)) continue;
      if (pending) {
        // Beside a finished entry of the same task, the unfinished one is the one to drop.
        if (names.includes(`${id}.json`)) {
          await unlink(join(this.dir, name)).catch(() => {});
          continue;
        }
        if (!(await this.finishRecord(id).catch(() => false))) continue;
      }
      if (live(id)) continue;
      if ((await this.clean(id).catch(() => 'none')) === 'removed') removed++;
    }
    return removed;
  }
}
