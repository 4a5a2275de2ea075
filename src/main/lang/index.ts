// Public API of the Loupe language engine. Pure TypeScript: the host hands in file access,
// host functions and limits; nothing here touches Node.
import { CompileError, ImportCompileError, LimitError, LoupeThrow, isHostStackOverflow } from './errors';
import { fromLoupe, toLoupe, type PlainValue } from './interop';
import { Loader, hostModule } from './modules';
import { Runtime } from './runtime';
import { createBuiltins, hostBuiltin } from './stdlib';
import { Instance, repr, str, type LoupeValue } from './values';

export type { LoupeValue } from './values';
export { toLoupe, fromLoupe, type PlainValue };
export { check, type Diagnostic } from './diagnostics';
export { format } from './format';
export { parse, type ParseResult } from './parser';
export { LFunction, Builtin, BoundMethod, LClass, LModule, Instance, typeName, str, repr } from './values';

export type HostFunction = { arity: number | [number, number]; call: (...args: LoupeValue[]) => LoupeValue };
export type HostModule = Record<string, HostFunction | LoupeValue>;

export interface RunOptions {
  mainPath?: string;
  readFile?: (path: string) => string | null;
  hostModules?: Record<string, HostModule>;
  globals?: Record<string, HostFunction>;
  budget?: number;
  timeoutMs?: number;
  signal?: { aborted: boolean };
  maxMemory?: number;
  stdout?: (text: string) => void;
  /** 'reference' runs the slow tree-walking interpreter; for differential tests only. */
  engine?: 'compiled' | 'reference';
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
  if (v instanceof Instance && v.$message !== undefined) return str(v.$message as LoupeValue);
  return str(v as LoupeValue);
}

/** Compiles and runs a program as `loupe run FILE` does (§1). */
export function runProgram(source: string, options: RunOptions = {}): RunResult {
  const chunks: string[] = [];
  const write = options.stdout ?? ((t: string) => { chunks.push(t); });
  const rt = new Runtime({
    budget: options.budget ?? DEFAULT_BUDGET,
    deadline: options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : Infinity,
    signal: options.signal,
    maxMemory: options.maxMemory ?? DEFAULT_MAX_MEMORY,
  });
  const { values: builtins, fast } = createBuiltins(rt, write);
  for (const [name, h] of Object.entries(options.globals ?? {})) builtins.set(name, hostBuiltin(name, h.arity, h.call));
  const hostModules = new Map<string, ReturnType<typeof hostModule>>();
  for (const [name, mod] of Object.entries(options.hostModules ?? {})) {
    const entries = new Map<string, LoupeValue>();
    for (const [k, v] of Object.entries(mod)) entries.set(k, isHostFunction(v) ? hostBuiltin(k, v.arity, v.call) : toLoupe(v));
    hostModules.set(name, hostModule(name, entries));
  }
  const loader = new Loader(rt, {
    mainPath: options.mainPath ?? 'main.loupe', readFile: options.readFile, hostModules, builtins, fast, engine: options.engine,
  });

  const finish = (exitCode: 0 | 65 | 70, error?: RunError, value?: unknown): RunResult => ({
    stdout: chunks.join(''), stderr: error ? errorLine(error) : '', exitCode, value, error,
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
    return { ...finish(0, undefined, fromLoupe(value)), valueRepr: repr(value) };
  } catch (e) {
    if (e instanceof CompileError || e instanceof ImportCompileError) {
      const c = e instanceof ImportCompileError ? e.error : e;
      const error: RunError = { kind: 'compile', message: c.message, line: c.line, column: c.col };
      if (c.path !== undefined) error.path = c.path;
      return finish(65, error);
    }
    if (e instanceof LoupeThrow) return at('runtime', uncaughtMessage(e.value), e.pos);
    if (e instanceof LimitError) return at('limit', e.message, e.pos);
    if (isHostStackOverflow(e)) return at('runtime', 'Stack overflow.', 0);
    if (e instanceof RangeError) return at('limit', 'Memory limit exceeded.', 0);
    return at('runtime', `Internal error: ${e instanceof Error ? e.message : String(e)}`, 0);
  }
}
