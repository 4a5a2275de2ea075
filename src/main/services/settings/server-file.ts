// DATA/server.json: which process holds the data folder and where its local API listens,
// so that a `loupe` command talks to a running `loupe serve` or desktop app instead of
// opening the database a second time. Written when the app starts ({pid, port: null,
// url: null} until it listens), rewritten on listen and stop, removed on close. A file
// whose pid is no longer alive is stale and ignored. It holds no secret: the token stays
// in DATA/token.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const SERVER_FILE = 'server.json';

const ServerFile = z.object({
  pid: z.number().int().positive(),
  port: z.number().int().min(0).max(65535).nullable(),
  url: z.string().url().nullable(),
});
export type ServerFile = z.infer<typeof ServerFile>;

export function writeServerFile(dataDir: string, info: ServerFile): void {
  const path = join(dataDir, SERVER_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

/** Removes the file if this process wrote it (another process may have taken over the folder since). */
export function removeServerFile(dataDir: string, pid = process.pid): void {
  const current = readServerFileRaw(dataDir);
  if (current && current.pid !== pid) return;
  rmSync(join(dataDir, SERVER_FILE), { force: true });
}

function readServerFileRaw(dataDir: string): ServerFile | null {
  try {
    const parsed = ServerFile.safeParse(JSON.parse(readFileSync(join(dataDir, SERVER_FILE), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else, which still means the folder is held.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live holder of the data folder other than this process, or null (no file, unreadable, or stale). */
export function readServerFile(dataDir: string): ServerFile | null {
  const info = readServerFileRaw(dataDir);
  if (!info || info.pid === process.pid || !isAlive(info.pid)) return null;
  return info;
}
