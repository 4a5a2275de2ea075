// The quick path of the `loupe` command, built on its own as CommonJS (out/main/cli-fast.cjs,
// see electron.config.ts): `--version`, `--help` and the language's commands. Node loads a
// CommonJS file without starting its ES module loader, whose own modules (and, under the
// --stack-size that scripts need, their recompilation) cost more CPU than the rest of
// `loupe run` of a short script. bin/loupe.js requires this file first and goes to the full
// dispatcher (out/main/cli.js) for every other command.
import { writeSync } from 'node:fs';
import { langCommand } from './lang-commands';
import { USAGE, version } from './usage';

const LANGUAGE = new Set(['run', 'check', 'fmt', 'repl']);

/** The exit code, or null when the command is not one of the quick ones. */
export function runFast(argv: string[]): Promise<number> | null {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    writeSync(1, USAGE);
    return Promise.resolve(command === undefined ? 2 : 0);
  }
  if (command === '--version' || command === '-v') {
    writeSync(1, `${version}\n`);
    return Promise.resolve(0);
  }
  if (LANGUAGE.has(command)) return langCommand(command, rest);
  return null;
}

/** As a worker thread's main file (bin/loupe.js, for a bigger stack): run and set the exit code. */
if (typeof module !== 'undefined' && require.main === module) {
  void runFast(process.argv.slice(2))?.then((code) => {
    process.exitCode = code;
  });
}
