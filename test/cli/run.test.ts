import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `loupe run` as a person starts it: the file itself (its #! line gives Node the script
// stack), and `node bin/loupe.js` (a worker thread gives it one). Both in one process.
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'loupe.js');
let dir: string;

beforeAll(() => {
  if (!existsSync(join(ROOT, 'out', 'main', 'cli-fast.cjs'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  dir = mkdtempSync(join(tmpdir(), 'loupe-run-'));
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const script = (name: string, source: string): string => {
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
};
const DEEP = 'fn f(n) {\n  if n == 0 { return 0 }\n  return 1 + f(n - 1)\n}\nprint(f(9900))\n';

describe.each([
  ['as a program (#! line)', (args: string[]) => spawnSync(BIN, args, { encoding: 'utf8' })],
  ['under node (worker thread)', (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })],
])('loupe run %s', (_how, loupe) => {
  it('prints, recurses 9,900 calls deep, and exits 0', () => {
    const r = loupe(['run', script('deep.loupe', 'print("start")\n' + DEEP)]);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'start\n9900\n', '']);
  });

  it('ends a script that hits a limit with exit 70 and the limit’s message, after what it printed', () => {
    const r = loupe(['run', script('grow.loupe', 'print("before")\nlet s = "x"\nwhile true {\n  s = s + s\n}\n')]);
    expect(r.status).toBe(70);
    expect(r.stdout).toBe('before\n');
    expect(r.stderr).toMatch(/^Error at \d+:\d+: Memory limit exceeded\.\n$/);
  });

  it('keeps LANGUAGE.md’s exit codes: 65 for a compile error, 66 for a missing file', () => {
    expect(loupe(['run', script('bad.loupe', 'let = 1\n')]).status).toBe(65);
    const missing = loupe(['run', join(dir, 'nope.loupe')]);
    expect([missing.status, missing.stderr]).toEqual([66, `Cannot read file '${join(dir, 'nope.loupe')}'.\n`]);
  });

  it('sends many prints through a pipe in order', () => {
    const r = loupe(['run', script('many.loupe', 'let i = 0\nwhile i < 20000 {\n  print(i)\n  i = i + 1\n}\n')]);
    const lines = r.stdout.trimEnd().split('\n');
    expect([r.status, lines.length, lines[0], lines[19999]]).toEqual([0, 20000, '0', '19999']);
  });
});

describe('loupe --version and --help', () => {
  it('answer from the dispatcher alone', () => {
    const v = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
    expect([v.status, v.stdout.trim()]).toEqual([
      0,
      JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("./package.json").version)'], { cwd: ROOT, encoding: 'utf8' })),
    ]);
    const h = spawnSync(BIN, ['--help'], { encoding: 'utf8' });
    expect(h.status).toBe(0);
    expect(h.stdout).not.toMatch(/coming with/);
    for (const c of ['import', 'train', 'predict', 'export', 'datasets', 'models', 'tasks', 'serve', 'run']) expect(h.stdout).toContain(`loupe ${c}`);
  });
});
