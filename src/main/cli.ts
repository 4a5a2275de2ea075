import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { version } from '../../package.json';
import { createApp, defaultDataDir } from './app';
import { resolveToken } from './services/settings/index';
import { langCommand } from './cli/lang-commands';
import { watchStalls } from './cli/stall-watch';
import { WORKER_USAGE, workerCommand } from './cli/worker-command';

const USAGE = `Loupe ${version}: a local workbench for image classification.

Usage:
  loupe serve [--host 127.0.0.1] [--port 8765] [--data DIR] [--token TOKEN] [--allow-remote]
      Serve the app (UI and local API) over HTTP. Prints "loupe listening on URL" once ready.
      --host          address to listen on (default 127.0.0.1; loopback only unless --allow-remote)
      --port          port (default 8765; 0 picks a free one)
      --data          data folder (default: ${defaultDataDir()})
      --token         API token (default: $LOUPE_TOKEN, else DATA/token, created on first start)
      --allow-remote  allow a non-loopback --host and any Host header
      --broker        redis:// or rediss:// URL: embedding goes to \`loupe worker\`s through Redis
${WORKER_USAGE}  loupe run FILE      run a Loupe script
  loupe check FILE    print a script's diagnostics as JSON (exit 65 when there are any)
  loupe fmt FILE [--write]  format a script
  loupe repl          interactive scripting
  loupe predict ...   classify pictures with a model (coming with models)
  loupe --help | --version
`;

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** The built UI next to the built CLI (out/main/cli.js → out/renderer), or null when not built. */
function rendererDir(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  const built = basename(here) === 'main' && basename(dirname(here)) === 'out' ? join(here, '..', 'renderer') : join(here, '..', '..', 'out', 'renderer');
  return existsSync(join(built, 'index.html')) ? built : null;
}

class UsageError extends Error {}

async function serve(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8765' },
        data: { type: 'string' },
        token: { type: 'string' },
        'allow-remote': { type: 'boolean', default: false },
        broker: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const host = values.host;
  const allowRemote = values['allow-remote'];
  if (!isLoopback(host) && !allowRemote) {
    throw new UsageError(`--host ${host} is not a loopback address; add --allow-remote to serve other machines (anyone who can reach it still needs the token).`);
  }
  if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${values.port}".`);
  const port = Number(values.port);
  const dataDir = resolve(values.data ?? defaultDataDir());
  if (values.token !== undefined && values.token.length < 16) throw new UsageError('--token must be at least 16 characters long.');
  const { token } = resolveToken(dataDir, values.token);

  const ui = rendererDir();
  if (values.broker !== undefined && !/^rediss?:\/\//.test(values.broker)) throw new UsageError(`--broker must be a redis:// or rediss:// URL, not "${values.broker}".`);
  const app = await createApp({ dataDir, shell: 'headless', token, version, allowRemote, rendererDir: ui, broker: values.broker });
  let addr;
  try {
    addr = await app.listen({ host: host.replace(/^\[|\]$/g, ''), port });
  } catch (err) {
    await app.close();
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} is already in use; pick another with --port (0 picks a free one).`);
    if (code === 'EADDRNOTAVAIL') throw new UsageError(`cannot listen on ${host}: no such address on this machine.`);
    throw err;
  }
  process.stdout.write(`loupe listening on ${addr.url}\n`);
  const stalls = watchStalls((ms) => process.stderr.write(`loupe: ${new Date().toISOString()} the main thread was busy for ${ms} ms; requests waited that long\n`));
  if (ui) process.stderr.write(`loupe: open ${addr.url}/#token=${app.token} in a browser\n`);
  else process.stderr.write('loupe: the UI is not built (run `npm run build`); serving the API only\n');

  await new Promise<void>((resolveStop) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write(`loupe: ${signal} again, exiting now\n`);
        process.exit(1);
      }
      stopping = true;
      stalls.stop();
      process.stderr.write(`loupe: ${signal}, shutting down\n`);
      app.close().then(resolveStop, (err) => {
        process.stderr.write(`loupe: shutdown failed: ${String(err)}\n`);
        process.exit(1);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

/**
 * Every command, by name; each resolves to an exit code. `run`, `check`, `fmt` and `repl`
 * are the language's (src/main/cli/lang-commands.ts); `predict` plugs in here with models.
 */
const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  serve,
  worker: workerCommand,
  run: (args) => langCommand('run', args),
  check: (args) => langCommand('check', args),
  fmt: (args) => langCommand('fmt', args),
  repl: (args) => langCommand('repl', args),
};

const COMING: Record<string, string> = {
  predict: 'models',
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    if (COMING[command]) {
      process.stderr.write(`loupe: "${command}" arrives with ${COMING[command]}; this build does not have it yet.\n`);
      return 2;
    }
    process.stderr.write(`loupe: unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`loupe: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`loupe: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`loupe: ${String(err)}\n`);
    process.exit(1);
  },
);
