// Issue #12 "Also": a limit ending `loupe run` exits 70 with the limit's message, never a
// V8 abort. The real command on the built CLI (bin/loupe.js), on script files that grow
// past V8's own limits (which abort a process rather than throw) or past the budget.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'loupe.js');
let dir: string;

beforeAll(() => {
  if (!existsSync(join(ROOT, 'out', 'main', 'cli.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  dir = mkdtempSync(join(tmpdir(), 'loupe-run-limits-'));
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CASES: Array<{ name: string; source: string; stderr: RegExp }> = [
  { name: 'a string past the longest V8 allows', source: 'print("start")\nlet s = "ab".repeat(2 ^ 28)', stderr: /^Error at 2:20: Memory limit exceeded\.\n$/ },
  {
    name: 'a split into more pieces than V8 can hold',
    source: 'let s = ",".repeat(2 ^ 26)\nlet parts = s.split(",")',
    stderr: /^Error at 2:20: Memory limit exceeded\.\n$/,
  },
  {
    name: 'str of a list holding itself 60 times over',
    source: 'let l = [1]\nfor i in range(60) { l = [l, l] }\nprint(l)',
    stderr: /^Error at 3:6: Memory limit exceeded\.\n$/,
  },
  {
    name: 'a limit that a finally tries to swallow',
    source: 'fn f() {\n  try {\n    let s = "ab".repeat(2 ^ 28)\n  } finally {\n    return 1\n  }\n}\nprint(f())',
    stderr: /^Error at 3:24: Memory limit exceeded\.\n$/,
  },
];

describe('loupe run ends a limit with status 70 and its message', () => {
  for (const c of CASES) {
    it(
      c.name,
      () => {
        const file = join(dir, `${c.name.replace(/\W+/g, '-')}.loupe`);
        writeFileSync(file, c.source);
        const r = spawnSync(process.execPath, [BIN, 'run', file], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
        expect(r.signal).toBeNull();
        expect(r.stderr).toMatch(c.stderr);
        expect(r.stderr).not.toMatch(/Fatal|FATAL|heap out of memory/);
        expect(r.status).toBe(70);
      },
      130_000,
    );
  }
});
