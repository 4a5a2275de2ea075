// Module loading (§10): path resolution with '/' separators, display names relative to the
// main module's directory, at-most-once execution, cycle detection, and the compile step
// (parse → resolve → JS source → `new Function`) shared by the main module and imports.
import { compileModule } from './compiler';
import { CompileError, ImportCompileError } from './errors';
import { Interpreter } from './interpreter';
import { rtError } from './objects';
import { parse } from './parser';
import { firstError, resolve } from './resolver';
import type { Runtime } from './runtime';
import { UNINIT, isGenerator } from './runtime';
import { Instance, LClass, LFunction, LMethod, LModule, type LoupeValue } from './values';

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : i === 0 ? '/' : path.slice(0, i);
}

export function normalize(path: string): string {
  const abs = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length && out[out.length - 1] !== '..') out.pop();
    else if (part === '..' && abs) continue;
    else out.push(part);
  }
  return (abs ? '/' : '') + out.join('/');
}

export function join(dir: string, rel: string): string {
  if (rel.startsWith('/')) return normalize(rel);
  return normalize(dir ? `${dir}/${rel}` : rel);
}

export function relative(fromDir: string, to: string): string {
  const a = normalize(fromDir).split('/').filter(Boolean);
  const b = normalize(to).split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
}

export type ModuleFactory = ($M: { exports: Map<string, () => LoupeValue> }) => LoupeValue;

interface Record_ {
  state: 'loading' | 'loaded';
  module: LModule;
}

export interface LoaderOptions {
  mainPath: string;
  readFile?: (path: string) => string | null;
  hostModules: Map<string, LModule>;
  builtins: Map<string, LoupeValue>;
  fast: unknown;
  /** 'reference' runs the tree-walking interpreter instead of compiled JS (for tests). */
  engine?: 'compiled' | 'reference';
  /** Deep-stack mode: compile functions to generators run by the Runtime's trampoline. */
  gen?: boolean;
}

export class Loader {
  /** Module index → normalized path and display name (index 0 is the main module). */
  readonly paths: string[] = [];
  readonly displays: string[] = [];
  private records = new Map<string, Record_>();
  private mainDir: string;

  constructor(
    private rt: Runtime,
    private opts: LoaderOptions,
  ) {
    this.mainDir = dirname(normalize(opts.mainPath));
    rt.importer = (path, from, pos) => this.importModule(path, from, pos);
    rt.genMode = !!opts.gen;
  }

  display(index: number): string | undefined {
    return index === 0 ? undefined : this.displays[index];
  }

  /** Parses, resolves and compiles one module; throws its CompileError (path filled in). */
  compile(source: string, path: string, isMain: boolean): { factory: ModuleFactory; index: number } {
    const index = this.paths.length;
    const display = isMain ? path : relative(this.mainDir, path);
    const withPath = (e: CompileError): CompileError => {
      e.path = isMain ? undefined : display;
      return e;
    };
    let parsed;
    try {
      parsed = parse(source);
    } catch (e) {
      if (e instanceof CompileError) throw withPath(e);
      throw e;
    }
    const res = resolve(parsed.module, this.opts.builtins.keys());
    const err = firstError(res.errors);
    if (err) throw withPath(err);
    this.paths.push(path);
    this.displays.push(display);
    if (this.opts.engine === 'reference') {
      const interp = new Interpreter(this.rt, index, this.opts.builtins);
      return { index, factory: ($M) => interp.runModule(parsed.module, res.moduleDecls, res.exports, isMain, $M) };
    }
    let code: string;
    let factory: ModuleFactory;
    try {
      code = compileModule(this.rt, {
        module: parsed.module,
        moduleIndex: index,
        moduleDecls: res.moduleDecls,
        exports: res.exports,
        isMain,
        builtins: this.opts.builtins,
        gen: this.opts.gen,
      });
      const make = new Function('$R', '$S', '$B', '$F', '$LF', '$LM', '$LC', '$In', '$U', code) as (...a: unknown[]) => ModuleFactory;
      factory = make(this.rt, this.rt.S, this.opts.builtins, this.opts.fast, LFunction, LMethod, LClass, Instance, UNINIT);
    } catch (e) {
      if (e instanceof RangeError) throw withPath(new CompileError('Program is nested too deeply.', 1, 1));
      throw e;
    }
    return { factory, index };
  }

  runMain(source: string): LoupeValue {
    const path = normalize(this.opts.mainPath);
    const { factory } = this.compile(source, path, true);
    const module = new LModule(relative(this.mainDir, path), new Map());
    this.records.set(path, { state: 'loading', module });
    const value = this.settle(factory(module));
    this.records.get(path)!.state = 'loaded';
    return value;
  }

  /** In deep-stack mode a module body is a generator: run it on the trampoline. */
  private settle(v: LoupeValue): LoupeValue {
    return isGenerator(v) ? this.rt.runGen(v as unknown as Parameters<Runtime['runGen']>[0]) : v;
  }

  private importModule(spec: string, from: number, pos: number): LModule {
    const host = this.opts.hostModules.get(spec);
    if (host) return host;
    const file = join(dirname(this.paths[from]), spec.endsWith('.loupe') ? spec : `${spec}.loupe`);
    const rec = this.records.get(file);
    if (rec?.state === 'loaded') return rec.module;
    if (rec?.state === 'loading') rtError(`Cyclic import of "${spec}".`, pos);
    let source: string | null = null;
    try {
      source = this.opts.readFile ? this.opts.readFile(file) : null;
    } catch {
      source = null;
    }
    if (source === null) rtError(`Module not found: "${spec}".`, pos);
    let compiled;
    try {
      compiled = this.compile(source, file, false);
    } catch (e) {
      if (e instanceof CompileError) throw new ImportCompileError(e);
      throw e;
    }
    const module = new LModule(this.displays[compiled.index], new Map());
    this.records.set(file, { state: 'loading', module });
    this.settle(compiled.factory(module));
    this.records.get(file)!.state = 'loaded';
    return module;
  }
}

/** A host module's entries as a Loupe module object. */
export function hostModule(name: string, entries: Map<string, LoupeValue>): LModule {
  const exports = new Map<string, () => LoupeValue>();
  for (const [k, v] of entries) exports.set(k, () => v);
  return new LModule(name, exports);
}
