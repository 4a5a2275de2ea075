// Loupe vs CPython 3 vs Lua 5.4 on the same programs (bench/lang/programs/NAME.{loupe,py,lua}).
// Each run is its own process pinned with taskset, and runs are interleaved (every language's
// runs of a program, then the next program, round after round). Two CPU times per program:
// - whole process, as a person runs it: `loupe run FILE` (bin/loupe.js), `python3 FILE`,
//   `lua5.4 FILE`; the child's own rusage (posix_spawn + wait4, rusage.py);
// - start-up excluded: the program's own compile + run, measured inside the process by a
//   small runner per language (loupe-runner.ts, clock.py, clock.lua).
// Targets (issue 17): whole process, every program below CPython and the geometric mean
// ≤ 0.5×; start-up excluded, Loupe's geometric mean ≤ Lua 5.4's, both vs CPython.
// Usage: npm run bench:lang [-- --rounds N] [-- --only fib,loop]
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const PROGRAMS = ['fib', 'loop', 'trees', 'methods', 'strings', 'lists', 'closures'];
/** Reported but not part of the target: 300k strings kept in a list, then joined. */
const EXTRA = ['strjoin'];
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const rounds = Number(opt('rounds') ?? 3);
const only = opt('only')?.split(',') ?? [...PROGRAMS, ...EXTRA];
const cpu = opt('cpu') ?? '1';

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const taskset = has('taskset') ? ['taskset', '-c', cpu] : [];
// The Loupe runner is bundled to plain JS first so that "whole process" compares Node's
// start-up, not TypeScript transpilation by tsx, with the interpreters' start-up.
const runnerJs = join(root, 'bench', 'tmp', 'loupe-runner.mjs');
mkdirSync(dirname(runnerJs), { recursive: true });
buildSync({ entryPoints: [join(here, 'loupe-runner.ts')], bundle: true, platform: 'node', format: 'esm', outfile: runnerJs, logLevel: 'error' });

interface Lang {
  name: string;
  ext: string;
  /** The program's own compile + run, reported as "cpu-ms N" on stderr. */
  inner: (file: string) => string[];
  /** The program as a person runs it. */
  whole: (file: string) => string[];
}
const langs: Lang[] = [
  { name: 'loupe', ext: 'loupe', inner: (f) => ['node', '--stack-size=4000', runnerJs, f], whole: (f) => [join(root, 'bin', 'loupe.js'), 'run', f] },
  { name: 'cpython', ext: 'py', inner: (f) => ['python3', join(here, 'clock.py'), f], whole: (f) => ['python3', f] },
];
if (has('lua5.4')) langs.push({ name: 'lua', ext: 'lua', inner: (f) => ['lua5.4', join(here, 'clock.lua'), f], whole: (f) => ['lua5.4', f] });

interface Sample {
  inner: number;
  process: number;
  stdout: string;
}
function spawnMeasured(cmd: string[]): { cpu: number; stdout: string; stderr: string } {
  const r = spawnSync(taskset[0] ?? 'python3', [...taskset.slice(1), ...(taskset.length ? ['python3'] : []), join(here, 'rusage.py'), ...cmd], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const proc = /process-cpu-ms ([\d.]+)/.exec(r.stderr);
  if (r.status !== 0 || !proc) throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { cpu: Number(proc[1]), stdout: r.stdout, stderr: r.stderr };
}
function runOnce(lang: Lang, program: string): Sample {
  const file = join(here, 'programs', `${program}.${lang.ext}`);
  const whole = spawnMeasured(lang.whole(file));
  const inner = spawnMeasured(lang.inner(file));
  const ms = /cpu-ms ([\d.]+)/.exec(inner.stderr.replace(/process-cpu-ms [\d.]+/, ''));
  if (!ms) throw new Error(`${lang.name} ${program}: no cpu-ms line: ${inner.stderr}`);
  if (whole.stdout !== inner.stdout) throw new Error(`${lang.name} ${program}: the two runs printed different output`);
  return { inner: Number(ms[1]), process: whole.cpu, stdout: whole.stdout.replace(/\s+/g, ' ').trim() };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const geomean = (xs: number[]): number => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);

if (spawnSync(join(root, 'bin', 'loupe.js'), ['--version']).status !== 0) {
  console.error('bench:lang: build first (npm run build): the whole-process figure runs bin/loupe.js');
  process.exit(1);
}
const results = new Map<string, Map<string, Sample[]>>();
for (let round = 0; round < rounds; round++) {
  for (const program of only) {
    for (const lang of langs) {
      const s = runOnce(lang, program);
      const perLang = results.get(program) ?? new Map<string, Sample[]>();
      results.set(program, perLang);
      perLang.set(lang.name, [...(perLang.get(lang.name) ?? []), s]);
    }
  }
}

const hasLua = langs.some((l) => l.name === 'lua');
const w = 11;
const pad = (s: string, n = w): string => s.padStart(n);
const date = new Date().toISOString().slice(0, 10);
console.log(`${date}, node ${process.version}, ${rounds} rounds interleaved, medians of CPU time (user+sys), pinned to CPU ${cpu}`);
console.log("\nStart-up excluded (the program's own compile + run):");
console.log(['program'.padEnd(10), ...langs.map((l) => pad(`${l.name} ms`)), pad('loupe/py'), ...(hasLua ? [pad('lua/py')] : [])].join(''));
const m = (program: string, lang: string, k: 'inner' | 'process'): number =>
  median(
    results
      .get(program)!
      .get(lang)!
      .map((s) => s[k]),
  );
const ratios: number[] = [];
const luaRatios: number[] = [];
for (const program of only) {
  const per = results.get(program)!;
  const outputs = new Set([...per.values()].map((s) => s[0].stdout));
  const ratio = m(program, 'loupe', 'inner') / m(program, 'cpython', 'inner');
  const luaRatio = hasLua ? m(program, 'lua', 'inner') / m(program, 'cpython', 'inner') : NaN;
  if (PROGRAMS.includes(program)) {
    ratios.push(ratio);
    luaRatios.push(luaRatio);
  }
  console.log(
    [
      program.padEnd(10),
      ...langs.map((l) => pad(m(program, l.name, 'inner').toFixed(1))),
      pad(ratio.toFixed(2)),
      ...(hasLua ? [pad(luaRatio.toFixed(2))] : []),
    ].join('') +
      (outputs.size > 1 ? '   OUTPUT MISMATCH' : '') +
      (EXTRA.includes(program) ? '   (extra, not in the target)' : ''),
  );
}
console.log('\nWhole process, as a person runs it (loupe run FILE, python3 FILE, lua5.4 FILE):');
console.log(['program'.padEnd(10), ...langs.map((l) => pad(`${l.name} ms`)), pad('loupe/py'), ...(hasLua ? [pad('lua/py')] : [])].join(''));
const procRatios: number[] = [];
for (const program of only) {
  const ratio = m(program, 'loupe', 'process') / m(program, 'cpython', 'process');
  if (PROGRAMS.includes(program)) procRatios.push(ratio);
  console.log(
    [
      program.padEnd(10),
      ...langs.map((l) => pad(m(program, l.name, 'process').toFixed(1))),
      pad(ratio.toFixed(2)),
      ...(hasLua ? [pad((m(program, 'lua', 'process') / m(program, 'cpython', 'process')).toFixed(2))] : []),
    ].join('') + (EXTRA.includes(program) ? '   (extra, not in the target)' : ''),
  );
}
const g = geomean(ratios);
const gp = geomean(procRatios);
console.log(
  `\ngeometric mean vs cpython: loupe ${g.toFixed(3)} start-up excluded${hasLua ? `, lua ${geomean(luaRatios).toFixed(3)}` : ''}; loupe ${gp.toFixed(3)} whole process`,
);
console.log(`target, whole process: every program < 1.0 and geomean <= 0.5 → ${procRatios.every((r) => r < 1) && gp <= 0.5 ? 'MET' : 'MISSED'}`);
if (hasLua) console.log(`target, start-up excluded: loupe geomean <= lua geomean → ${g <= geomean(luaRatios) ? 'MET' : 'MISSED'}`);
