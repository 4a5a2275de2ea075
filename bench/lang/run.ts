// Loupe vs CPython 3 vs Lua 5.4 on the same programs (bench/lang/programs/NAME.{loupe,py,lua}).
// Each run is its own process pinned with taskset, runs are interleaved (L P U, L P U, …),
// and two CPU times are taken per run: the program's own compile + run (measured inside the
// process, excluding interpreter start-up) and the whole child process (rusage).
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
const opt = (name: string): string | undefined => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : undefined; };
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

interface Lang { name: string; ext: string; cmd: (file: string) => string[] }
const langs: Lang[] = [
  { name: 'loupe', ext: 'loupe', cmd: (f) => ['node', '--stack-size=4000', runnerJs, f] },
  { name: 'cpython', ext: 'py', cmd: (f) => ['python3', join(here, 'clock.py'), f] },
];
if (has('lua5.4')) langs.push({ name: 'lua', ext: 'lua', cmd: (f) => ['lua5.4', join(here, 'clock.lua'), f] });

interface Sample { inner: number; process: number; stdout: string }
function runOnce(lang: Lang, program: string): Sample {
  const file = join(here, 'programs', `${program}.${lang.ext}`);
  const r = spawnSync(taskset[0] ?? 'python3', [...taskset.slice(1), ...(taskset.length ? ['python3'] : []), join(here, 'rusage.py'), ...lang.cmd(file)], {
    cwd: root, encoding: 'utf8', maxBuffer: 64 << 20,
  });
  const inner = /cpu-ms ([\d.]+)/.exec(r.stderr);
  const proc = /process-cpu-ms ([\d.]+)/.exec(r.stderr);
  if (r.status !== 0 || !inner || !proc) throw new Error(`${lang.name} ${program} failed (${r.status}): ${r.stderr}`);
  return { inner: Number(inner[1]), process: Number(proc[1]), stdout: r.stdout.replace(/\s+/g, ' ').trim() };
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const geomean = (xs: number[]): number => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);

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

const pad = (s: string, n: number): string => s.padStart(n);
const header = ['program', ...langs.flatMap((l) => [`${l.name} ms`, `${l.name} proc ms`]), 'loupe/py', 'loupe/py proc', ...(langs.some((l) => l.name === 'lua') ? ['lua/py'] : [])];
console.log(`node ${process.version}, ${rounds} rounds, medians of CPU time (user+sys), pinned to CPU ${cpu}`);
console.log(header.map((h, i) => (i === 0 ? h.padEnd(10) : pad(h, 14))).join(''));
const ratios: number[] = [];
const procRatios: number[] = [];
for (const program of only) {
  const per = results.get(program)!;
  const outputs = new Set([...per.values()].map((s) => s[0].stdout));
  const m = (lang: string, k: 'inner' | 'process'): number => median(per.get(lang)!.map((s) => s[k]));
  const ratio = m('loupe', 'inner') / m('cpython', 'inner');
  const procRatio = m('loupe', 'process') / m('cpython', 'process');
  if (PROGRAMS.includes(program)) { ratios.push(ratio); procRatios.push(procRatio); }
  const cells = [program.padEnd(10), ...langs.flatMap((l) => [pad(m(l.name, 'inner').toFixed(1), 14), pad(m(l.name, 'process').toFixed(1), 14)]),
    pad(ratio.toFixed(2), 14), pad(procRatio.toFixed(2), 14)];
  if (per.has('lua')) cells.push(pad((m('lua', 'inner') / m('cpython', 'inner')).toFixed(2), 14));
  console.log(cells.join('') + (outputs.size > 1 ? '   OUTPUT MISMATCH' : '') + (EXTRA.includes(program) ? '   (extra, not in the target)' : ''));
}
console.log(`geometric mean loupe/cpython: ${geomean(ratios).toFixed(3)} (compile+run), ${geomean(procRatios).toFixed(3)} (whole process)`);
console.log(`target: every program < 1.0 and geomean <= 0.5 → ${ratios.every((r) => r < 1) && geomean(ratios) <= 0.5 ? 'MET' : 'MISSED'} (compile+run)`);
