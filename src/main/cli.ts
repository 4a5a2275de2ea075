// The `loupe` command: a thin dispatcher. Each command lives in its own file under cli/ and
// is loaded with import() only when it runs, so `--version`, `--help` and `run` load no
// more than they use (no HTTP, queue, vision, SQLite or sharp). Adding a command is one
// line in COMMANDS and one in USAGE.
import { writeSync } from 'node:fs';
import { version } from '../../package.json';
import { CliError, EXIT } from './cli/exit';

const USAGE = `Loupe ${version}: a local workbench for image classification.

Usage:
  loupe import DIR --dataset NAME [--labels folders|none]   import a folder of pictures
  loupe train --dataset NAME [--wait]                        train a model on a dataset
  loupe predict --model ID|--dataset NAME FILES|DIRS... [--csv OUT] [--top K]
                                                             classify pictures
  loupe export --model ID --out FILE.onnx                    write a model as one ONNX file
  loupe datasets                                             list datasets
  loupe models [--dataset NAME]                              list models
  loupe tasks [--state STATE]                                list tasks
  loupe serve [--host H] [--port P] [--data DIR] [--token T] serve the app and its local API
  loupe run FILE                                             run a Loupe script
  loupe check FILE                                           a script's diagnostics as JSON (exit 65 when any)
  loupe fmt FILE [--write]                                   format a script
  loupe repl                                                 interactive scripting
  loupe --help | --version

Every command takes --help. The data commands take --data DIR and --json; when a
\`loupe serve\` or the desktop app holds the data folder they go through its local API.
Exit codes: 0 ok, 1 failed, 2 bad usage, 3 not found, 4 partly done, 5 cannot write the
output, 6 data folder held by an unreachable Loupe; run/check: 65 compile error, 66 cannot
read the file, 70 runtime error or limit. See docs/cli.md.
`;

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
