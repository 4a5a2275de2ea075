// Public API of the Loupe language engine. Pure TypeScript: the host hands in file access,
// host functions and limits; nothing here touches Node.
import { CompileError, ImportCompileError, LimitError, LoupeThrow, isHostStackOverflow } from './errors';
import { TooLargeToConvert, fromLoupe, toLoupe, type PlainValue } from './interop';
import { Loader, hostModule } from './modules';
import { MAX_ELEMENTS } from './limits';
import { HostStackExhausted, Runtime } from './runtime';
import { createBuiltins, hostBuiltin } from './stdlib';
import { Instance, reprForMessage, strWithin, type LoupeValue } from './values';

export type { LoupeValue } from './values';
export { toLoupe, fromLoupe, TooLargeToConvert, type PlainValue };
export { MAX_ELEMENTS, MAX_MAP_ENTRIES, MAX_STRING_LENGTH } from './limits';
export { check, type Diagnostic } from './diagnostics';
export { format } from './format';
export { parse, type ParseResult } from './parser';
/** For editors: the token stream (syntax highlighting) and the names to complete. */
export { scan, KEYWORDS, type Token } from './scanner';
export { BUILTIN_NAMES } from './names';
export { LFunction, Builtin, BoundMethod, LClass, LModule, Instance, typeName, str, repr } from './values';

export type HostFunction = { arity: number | [number, number]; call: (...args: LoupeValue[]) => LoupeValue };
export type HostModule = Record<string, HostFunction | LoupeValue>;

export interface RunOptions {
  /** Path of the main module file ('/'-separated), for import resolution (§10). Default "main.loupe". */
  mainPath?: string;
  /** Host-provided module loader, given a normalized absolute path; null = not found. */
  readFile?: (path: string) => string | null;
  /** Modules importable by name, e.g. `import "loupe" as loupe`; looked up before files. */
  hostModules?: Record<string, HostModule>;
  /** Extra host functions in the built-in scope. */
  globals?: Record<string, HostFunction>;
  /** Instruction budget: function entries + loop iterations. Default 5e10. */
  budget?: number;
  /** Wall-clock limit and cancellation, checked every 10,000 instructions. */
  timeoutMs?: number;
  signal?: { aborted: boolean };
  /** Cap on the estimated bytes of list/map/string growth. Default 1 GiB. */
  maxMemory?: number;
  /**
   * Largest list a script may build (default MAX_ELEMENTS). Only tests raise it, to reach
   * V8's own fatal limits on purpose and check that the host survives them.
   */
  maxElements?: number;
  /** Streaming print; when absent, output is collected into RunResult.stdout. */
  stdout?: (text: string) => void;
  /**
   * 'reference' runs the slow tree-walking interpreter (differential tests); 'deep-stack'
   * forces the generator mode normally used only when the host stack runs out.
   */
  engine?: 'compiled' | 'reference' | 'deep-stack';
}

export interface RunError {
  kind: 'compile' | 'runtime' | 'limit';
  message: string;
  line: number;
  column: number;
  path?: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: 0 | 65 | 70;
  /** The value of the last top-level expression statement the main module ran (nil if none), as plain JS. */
  value?: unknown;
  /** repr() of that value, for REPLs (absent when the run failed). */
  valueRepr?: string;
  error?: RunError;
}

export const DEFAULT_BUDGET = 5e10;
export const DEFAULT_MAX_MEMORY = 2 ** 30;

function isHostFunction(v: unknown): v is HostFunction {
  return typeof v === 'object' && v !== null && typeof (v as HostFunction).call === 'function' && 'arity' in v;
}

function errorLine(e: RunError): string {
  return `Error at ${e.path ? e.path + ':' : ''}${e.line}:${e.column}: ${e.message}\n`;
}

/** The message of an uncaught value (§9). */
function uncaughtMessage(v: unknown): string {
  const m = v instanceof Instance && v.$message !== undefined ? (v.$message as LoupeValue) : (v as LoupeValue);
  return strWithin(m, false, 1 << 20) ?? '<message too large to show>';
}

/** The program's value as plain JS, or a note when it is too large to copy out. */
function plainValue(v: LoupeValue): PlainValue {
  try {
    return fromLoupe(v, new Set(), { left: 64 * 1024 * 1024 });
  } catch (e) {
    if (e instanceof TooLargeToConvert) return '<value too large to show>';
    throw e;
  }
}

/** Compiles and runs a program as `loupe run FILE` does (§1). */
export function runProgram(source: string, options: RunOptions = {}): RunResult {
  // One wall-clock deadline for the whole call, replay included.
  const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : Infinity;
  if (options.engine === 'deep-stack') return runOnce(source, options, true, deadline) as RunResult;
  // Count what a streaming host has already been given, so a replay can skip it.
  let streamed = 0;
  const sink = options.stdout;
  const first = runOnce(
    source,
    sink
      ? {
          ...options,
          stdout: (t) => {
            streamed += t.length;
            sink(t);
          },
        }
      : options,
    false,
    deadline,
  );
  // The host stack ran out before the spec's depth limit. If no host function ran, the
  // program is deterministic (clock() aside), so run it again in deep-stack mode, which
  // keeps Loupe frames off the host stack; output already streamed is not sent twice.
  // Workers and `loupe run` given a big stack never get here.
  if (first !== 'replay') return first;
  if (!sink) return runOnce(source, options, true, deadline) as RunResult;
  let skip = streamed;
  return runOnce(
    source,
    {
      ...options,
      stdout: (t) => {
        if (skip >= t.length) {
          skip -= t.length;
          return;
        }
        sink(t.slice(skip));
        skip = 0;
      },
    },
    true,
    deadline,
  ) as RunResult;
}

function runOnce(source: string, options: RunOptions, gen: boolean, deadline: number): RunResult | 'replay' {
  const chunks: string[] = [];
  const write =
    options.stdout ??
    ((t: string) => {
      chunks.push(t);
    });
  const rt = new Runtime({
    budget: options.budget ?? DEFAULT_BUDGET,
    deadline,
    signal: options.signal,
    maxMemory: options.maxMemory ?? DEFAULT_MAX_MEMORY,
    maxElements: options.maxElements ?? MAX_ELEMENTS,
  });
  const { values: builtins, fast } = createBuiltins(rt, write);
  const onHostCall = (): void => {
    rt.hostCalled = true;
  };
  for (const [name, h] of Object.entries(options.globals ?? {})) builtins.set(name, hostBuiltin(name, h.arity, h.call, onHostCall, rt));
  const hostModules = new Map<string, ReturnType<typeof hostModule>>();
  for (const [name, mod] of Object.entries(options.hostModules ?? {})) {
    const entries = new Map<string, LoupeValue>();
    for (const [k, v] of Object.entries(mod)) entries.set(k, isHostFunction(v) ? hostBuiltin(k, v.arity, v.call, onHostCall, rt) : toLoupe(v));
    hostModules.set(name, hostModule(name, entries));
  }
  const loader = new Loader(rt, {
    mainPath: options.mainPath ?? 'main.loupe',
    readFile: options.readFile,
    hostModules,
    builtins,
    fast,
    engine: options.engine === 'reference' ? 'reference' : 'compiled',
    gen,
  });

  const finish = (exitCode: 0 | 65 | 70, error?: RunError, value?: unknown): RunResult => ({
    stdout: chunks.join(''),
    stderr: error ? errorLine(error) : '',
    exitCode,
    value,
    error,
  });
  const at = (kind: RunError['kind'], message: string, pos: number): RunResult => {
    const p = rt.positions[pos] ?? rt.positions[0];
    const error: RunError = { kind, message, line: p.line, column: p.col };
    const path = loader.display(p.module);
    if (path !== undefined) error.path = path;
    return finish(70, error);
  };

  try {
    const value = loader.runMain(source);
    // Belt and braces: a limit that something swallowed still ends the run as a limit.
    if (rt.lim !== null) throw rt.lim;
    return { ...finish(0, undefined, plainValue(value)), valueRepr: reprForMessage(value) };
  } catch (e) {
    if (e instanceof CompileError || e instanceof ImportCompileError) {
      const c = e instanceof ImportCompileError ? e.error : e;
      const error: RunError = { kind: 'compile', message: c.message, line: c.line, column: c.col };
      if (c.path !== undefined) error.path = c.path;
      return finish(65, error);
    }
    if (e instanceof LoupeThrow) return at('runtime', uncaughtMessage(e.value), e.pos);
    if (e instanceof LimitError) return at('limit', e.message, e.pos);
    if (e instanceof HostStackExhausted || isHostStackOverflow(e)) {
      if (!gen && !rt.hostCalled && options.engine !== 'reference') return 'replay';
      return at('runtime', 'Stack overflow.', 0);
    }
    if (e instanceof RangeError) return at('limit', 'Memory limit exceeded.', 0);
    return at('runtime', `Internal error: ${e instanceof Error ? e.message : String(e)}`, 0);
  }
}
