// Which Loupe a data command talks to. When a `loupe serve` or the desktop app holds the
// data folder (DATA/server.json names a live process), the command goes through its local
// API with the folder's token, so the database is never opened twice. Otherwise the command
// opens the folder itself: the same createApp the app uses, its API on a private loopback
// port, so both paths run the same routes and the same validation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { version } from '../../../package.json';
import { readServerFile } from '../services/settings/server-file';
import { CliError, EXIT } from './exit';

export interface Connection {
  url: string;
  token: string;
  /** `server`: a running Loupe's API; `direct`: this process opened the folder. */
  via: 'server' | 'direct';
  dataDir: string;
  close(): Promise<void>;
}

function folderToken(dataDir: string, env: NodeJS.ProcessEnv): string {
  if (env.LOUPE_TOKEN) return env.LOUPE_TOKEN;
  try {
    return readFileSync(join(dataDir, 'token'), 'utf8').trim();
  } catch {
    throw new CliError(EXIT.busy, `cannot read the token in ${join(dataDir, 'token')}; set LOUPE_TOKEN to the token the server was started with.`);
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(3000) });
    return r.ok;
  } catch {
    return false;
  }
}

/** `readOnly`: the command only reads, so an opened folder does not start queued work. */
export async function connect(dataDir: string, opts: { readOnly?: boolean } = {}, env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  const holder = readServerFile(dataDir);
  if (holder) {
    if (holder.url === null) {
      throw new CliError(
        EXIT.busy,
        `Loupe (process ${holder.pid}) has ${dataDir} open and its local API is off. Turn it on in Settings → Local API, or quit that Loupe, and try again.`,
      );
    }
    if (!(await answers(holder.url))) {
      throw new CliError(
        EXIT.busy,
        `Loupe (process ${holder.pid}) has ${dataDir} open but does not answer at ${holder.url}. Try again when it has started, or stop it.`,
      );
    }
    return { url: holder.url, token: folderToken(dataDir, env), via: 'server', dataDir, close: async () => {} };
  }
  const { createApp } = await import('../app');
  // No retraining while a command imports: `loupe train` says when to train.
  const app = await createApp({
    dataDir,
    shell: 'headless',
    version,
    vision: { autoTrain: false },
    runTasks: !opts.readOnly,
    log: (message, err) => process.stderr.write(`loupe: ${message}${err instanceof Error ? ` ${err.message}` : ''}\n`),
  });
  try {
    const { url } = await app.listen({ host: '127.0.0.1', port: 0 });
    return { url, token: app.token, via: 'direct', dataDir, close: () => app.close() };
  } catch (err) {
    await app.close();
    throw err;
  }
}
