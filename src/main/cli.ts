// The `loupe` command: a thin dispatcher. Each command lives in its own file under cli/ and
// is loaded with import() only when it runs, so no command loads more than it uses (no
// HTTP, queue, vision, SQLite or sharp for `run`). Adding a command is one line in COMMANDS
// and one in USAGE (cli/usage.ts). bin/loupe.js answers --version, --help and the
// language's commands from cli/fast-entry.ts first, which starts quicker (see there).
import { writeSync } from 'node:fs';
import { CliError, EXIT } from './cli/exit';
import { USAGE, version } from './cli/usage';

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  import: async (a) => (await import('./cli/import-command')).importCommand(a),
  train: async (a) => (await import('./cli/train-command')).trainCommand(a),
  predict: async (a) => (await import('./cli/predict-command')).predictCommand(a),
  export: async (a) => (await import('./cli/export-command')).exportCommand(a),
  datasets: async (a) => (await import('./cli/list-commands')).datasetsCommand(a),
  models: async (a) => (await import('./cli/list-commands')).modelsCommand(a),
  tasks: async (a) => (await import('./cli/list-commands')).tasksCommand(a),
  serve: async (a) => (await import('./cli/serve-command')).serveCommand(a),
  worker: async (a) => (await import('./cli/worker-command')).workerCommand(a),
  run: async (a) => (await import('./cli/lang-commands')).langCommand('run', a),
  check: async (a) => (await import('./cli/lang-commands')).langCommand('check', a),
  fmt: async (a) => (await import('./cli/lang-commands')).langCommand('fmt', a),
  repl: async (a) => (await import('./cli/lang-commands')).langCommand('repl', a),
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Straight to the descriptor: process.stdout would build a stream for one line (fd-output.ts).
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    writeSync(1, USAGE);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command === '--version' || command === '-v') {
    writeSync(1, `${version}\n`);
    return EXIT.ok;
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) {
    process.stderr.write(`loupe: unknown command "${command}".\n\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    return await run(rest);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`loupe ${command}: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`loupe ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}

// The language's commands leave nothing running, so they end by their exit code alone: in
// the worker thread that bin/loupe.js starts for `run` when Node was not given a big stack,
// process.exit() could cut off output still on its way to stdout. The other commands may
// leave pools and child processes behind, so they exit outright.
const LANGUAGE = new Set(['run', 'check', 'fmt', 'repl']);
main(process.argv.slice(2)).then(
  (code) => {
    if (LANGUAGE.has(process.argv[2])) process.exitCode = code;
    else process.exit(code);
  },
  (err) => {
    process.stderr.write(`loupe: ${String(err)}\n`);
    process.exit(EXIT.failed);
  },
);
