// `loupe serve`: the headless shell. The whole app loads here, and only here and in the
// commands that open a data folder themselves.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isIP } from 'node:net';
import { version } from '../../../package.json';
import { createApp } from '../app';
import { resolveToken } from '../services/settings/index';
import { CliError, DATA_HELP, EXIT, dataDirOf, parseFlags, usageError } from './common';
import { watchStalls } from './stall-watch';

export const SERVE_HELP = `Usage: loupe serve [--host 127.0.0.1] [--port 8765] [--data DIR] [--token TOKEN] [--allow-remote]
  Serve the app (UI and local API) over HTTP. Prints "loupe listening on URL" once ready.
  --host          address to listen on (default 127.0.0.1; loopback only unless --allow-remote)
  --port          port (default 8765; 0 picks a free one)
${DATA_HELP.split('\n')[0]}
  --token         API token (default: $LOUPE_TOKEN, else DATA/token, created on first start)
  --allow-remote  allow a non-loopback --host and any Host header
  --broker        redis:// or rediss:// URL: embedding goes to \`loupe worker\`s through Redis (docs/scale.md)
`;

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** The built UI next to the built CLI (out/main/cli.js → out/renderer), or null when not built. */
function rendererDir(): string | null {
  let here = dirname(fileURLToPath(import.meta.url));
  if (basename(here) === 'chunks') here = dirname(here);
  const built = basename(here) === 'main' && basename(dirname(here)) === 'out' ? join(here, '..', 'renderer') : join(here, '..', '..', '..', 'out', 'renderer');
  return existsSync(join(built, 'index.html')) ? built : null;
}

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8765' },
    data: { type: 'string' },
    token: { type: 'string' },
    'allow-remote': { type: 'boolean', default: false },
    broker: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(SERVE_HELP);
    return EXIT.ok;
  }
  const host = values.host;
  const allowRemote = values['allow-remote'];
  if (!isLoopback(host) && !allowRemote) {
    throw usageError(`--host ${host} is not a loopback address; add --allow-remote to serve other machines (anyone who can reach it still needs the token).`);
  }
  if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) throw usageError(`--port must be a number from 0 to 65535, not "${values.port}".`);
  const port = Number(values.port);
  const dataDir = dataDirOf(values.data);
  if (values.token !== undefined && values.token.length < 16) throw usageError('--token must be at least 16 characters long.');
  const { token } = resolveToken(dataDir, values.token);

  const ui = rendererDir();
  if (values.broker !== undefined && !/^rediss?:\/\//.test(values.broker))
    throw usageError(`--broker must be a redis:// or rediss:// URL, not "${values.broker}".`);
  const app = await createApp({ dataDir, shell: 'headless', token, version, allowRemote, rendererDir: ui, broker: values.broker });
  let addr;
  try {
    addr = await app.listen({ host: host.replace(/^\[|\]$/g, ''), port });
  } catch (err) {
    await app.close();
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE') throw usageError(`port ${port} is already in use; pick another with --port (0 picks a free one).`);
    if (code === 'EADDRNOTAVAIL') throw usageError(`cannot listen on ${host}: no such address on this machine.`);
    throw new CliError(EXIT.failed, String(err));
  }
  process.stdout.write(`loupe listening on ${addr.url}\n`);
  const stalls = watchStalls((ms) =>
    process.stderr.write(`loupe: ${new Date().toISOString()} the main thread was busy for ${ms} ms; requests waited that long\n`),
  );
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
  return EXIT.ok;
}
