// Start-up of the `loupe` command, as a person runs it: whole process, CPU time (user+sys),
// beside `node -e 0`, CPython and Lua doing nothing. Runs are interleaved (each round runs
// every command once) and pinned with taskset; the table shows medians.
// Targets (issue 17): `loupe --version` and `loupe run` of a one-line script ≤ 1.5× `node -e 0`.
// Usage: npm run bench:startup [-- --rounds N] [-- --cpu 1]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const rounds = Number(opt('rounds') ?? 15);
const cpu = opt('cpu') ?? '1';
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const taskset = has('taskset') ? ['taskset', '-c', cpu] : [];
const rusage = join(root, 'bench', 'lang', 'rusage.py');

if (spawnSync('node', [join(root, 'bin', 'loupe.js'), '--version']).status !== 0) {
  console.error('bench:startup: build first (npm run build)');
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'loupe-startup-'));
const script = join(dir, 'one.loupe');
writeFileSync(script, 'print(1 + 2)\n');
const bin = join(root, 'bin', 'loupe.js');

const commands: Array<{ name: string; cmd: string[] }> = [
  { name: 'node -e 0', cmd: ['node', '-e', '0'] },
  // As a person runs it: the file itself (its #! line gives Node the script stack).
  { name: 'loupe --version', cmd: [bin, '--version'] },
  { name: 'loupe run one-line', cmd: [bin, 'run', script] },
  // `node bin/loupe.js run …` has no big stack from its #! line: a worker thread gives it one.
  { name: 'node loupe.js run (worker)', cmd: ['node', bin, 'run', script] },
  { name: 'loupe --help', cmd: [bin, '--help'] },
  { name: 'python3 -c pass', cmd: ['python3', '-c', 'pass'] },
];
if (has('lua5.4')) commands.push({ name: 'lua5.4 -e ""', cmd: ['lua5.4', '-e', ''] });

const samples = new Map<string, number[]>(commands.map((c) => [c.name, []]));
for (let r = 0; r < rounds; r++) {
  for (const c of commands) {
    const p = spawnSync(taskset[0] ?? 'python3', [...taskset.slice(1), ...(taskset.length ? ['python3'] : []), rusage, ...c.cmd], { encoding: 'utf8' });
    const m = /process-cpu-ms ([\d.]+)/.exec(p.stderr);
    if (p.status !== 0 || !m) throw new Error(`${c.name} failed (${p.status}): ${p.stderr}`);
    samples.get(c.name)!.push(Number(m[1]));
  }
}
rmSync(dir, { recursive: true, force: true });

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const base = median(samples.get('node -e 0')!);
console.log(
  `${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${rounds} rounds interleaved, medians of whole-process CPU time (user+sys), pinned to CPU ${cpu}`,
);
console.log(`${'command'.padEnd(30)}${'ms'.padStart(10)}${'× node -e 0'.padStart(14)}`);
for (const c of commands) {
  const ms = median(samples.get(c.name)!);
  console.log(`${c.name.padEnd(30)}${ms.toFixed(1).padStart(10)}${(ms / base).toFixed(2).padStart(14)}`);
}
const ratio = (name: string): number => median(samples.get(name)!) / base;
const met = ratio('loupe --version') <= 1.5 && ratio('loupe run one-line') <= 1.5;
console.log(`target: loupe --version and loupe run ≤ 1.5× node -e 0 → ${met ? 'MET' : 'MISSED'}`);
