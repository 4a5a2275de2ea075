// The Node side of `loupe run | check | repl | fmt`: file access and terminal I/O around the
// pure language engine. Deep recursion (call depth 10,000) needs about 2 MB of JS stack, so
// the process that calls runFile should run with `node --stack-size=4000` or inside a Worker
// with resourceLimits.stackSizeMb >= 4. With less, the engine replays the program in its
// slower deep-stack mode (see docs/language.md, decision 4).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { check, format, parse, runProgram, type RunOptions } from '../lang/index';
import { fdOutput } from './fd-output';

export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Sends on what stdout holds back (it is block-buffered when not a terminal). */
  flush?: () => void;
}

const out = fdOutput(1);
const err = fdOutput(2);
const processIO: CommandIO = {
  stdout: (t) => out.write(t),
  // What was printed before an error comes out before it, also when both go to one pipe.
  stderr: (t) => {
    out.flush();
    err.write(t);
  },
  flush: () => out.flush(),
};

/** Module paths use '/' on every platform (§10). */
const slashPath = (p: string): string => resolve(p).split('\\').join('/');

function readModule(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** `loupe run FILE`: exactly the spec's §1 output; returns the exit status. */
export function runFile(file: string, io: CommandIO = processIO, options: RunOptions = {}): number {
  const source = readModule(slashPath(file));
  if (source === null) {
    io.stderr(`Cannot read file '${file}'.\n`);
    return 66;
  }
  const result = runProgram(source, { mainPath: slashPath(file), readFile: readModule, stdout: io.stdout, ...options });
  if (result.stderr) io.stderr(result.stderr);
  return result.exitCode;
}

/** `loupe check FILE`: every diagnostic as a JSON array; status 65 when there are any. */
export function checkFile(file: string, io: CommandIO = processIO): number {
  const source = readModule(slashPath(file));
  if (source === null) {
    io.stderr(`Cannot read file '${file}'.\n`);
    return 66;
  }
  const diagnostics = check(source, { mainPath: slashPath(file) });
  io.stdout(JSON.stringify(diagnostics, null, 2) + '\n');
  return diagnostics.length ? 65 : 0;
}

/** `loupe fmt FILE [--write]`: prints (or rewrites) the formatted file. */
export function formatFile(file: string, write: boolean, io: CommandIO = processIO): number {
  const source = readModule(slashPath(file));
  if (source === null) {
    io.stderr(`Cannot read file '${file}'.\n`);
    return 66;
  }
  const out = format(source);
  if (write) writeFileSync(file, out);
  else io.stdout(out);
  return 0;
}

/** True when the parser stopped only because the input ended: the REPL reads another line. */
function needsMore(source: string): boolean {
  const d = check(source);
  return d.some((x) => x.message.endsWith('but found end of file.') || (x.message === 'Unterminated string.' && !source.endsWith('\n\n')));
}

function endsWithExpression(entry: string): boolean {
  try {
    const body = parse(entry).module.body;
    return body.length > 0 && body[body.length - 1].kind === 'expr';
  } catch {
    return false;
  }
}

/**
 * `loupe repl`: each accepted entry is appended to a transcript that is re-run for the next
 * entry with its earlier output suppressed, so declarations persist between lines.
 */
export async function repl(input: NodeJS.ReadableStream = process.stdin, io: CommandIO = processIO): Promise<number> {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input, terminal: false });
  let transcript = '';
  let pending = '';
  io.stdout('Loupe REPL. Ctrl-D to exit.\n> ');
  io.flush?.();
  for await (const line of rl) {
    pending += line + '\n';
    if (needsMore(transcript + pending) && line.trim() !== '') {
      io.stdout('. ');
      io.flush?.();
      continue;
    }
    const program = transcript + pending;
    let seen = 0;
    const before = runProgram(transcript);
    const skip = before.stdout.length;
    const result = runProgram(program, {
      stdout: (t) => {
        const fresh = t.slice(Math.max(0, skip - seen));
        seen += t.length;
        if (fresh) io.stdout(fresh);
      },
    });
    if (result.exitCode === 0) {
      transcript = program;
      if (endsWithExpression(pending) && result.valueRepr !== undefined && result.valueRepr !== 'nil') io.stdout(result.valueRepr + '\n');
    } else io.stderr(result.stderr);
    pending = '';
    io.stdout('> ');
    io.flush?.();
  }
  io.stdout('\n');
  return 0;
}

/** Dispatches `loupe run|check|repl|fmt ARGS`; resolves to the exit status. */
export async function langCommand(command: string, args: string[], io: CommandIO = processIO): Promise<number> {
  try {
    return await langCommandUnflushed(command, args, io);
  } finally {
    io.flush?.();
  }
}

async function langCommandUnflushed(command: string, args: string[], io: CommandIO): Promise<number> {
  switch (command) {
    case 'run':
      return args[0] ? runFile(args[0], io) : usage(io);
    case 'check':
      return args[0] ? checkFile(args[0], io) : usage(io);
    case 'fmt':
      return args[0] ? formatFile(args[0], args.includes('--write'), io) : usage(io);
    case 'repl':
      return repl(process.stdin, io);
    default:
      return usage(io);
  }
}

function usage(io: CommandIO): number {
  io.stderr('Usage: loupe run FILE | loupe check FILE | loupe fmt FILE [--write] | loupe repl\n');
  return 64;
}
