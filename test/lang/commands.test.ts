// The Node side of `loupe run | check | fmt | repl`, against real files in a temp folder.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { checkFile, formatFile, langCommand, repl, runFile, type CommandIO } from '../../src/main/cli/lang-commands';

function capture(): CommandIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (t: string) => {
      io.out += t;
    },
    stderr: (t: string) => {
      io.err += t;
    },
  };
  return io;
}

const dir = mkdtempSync(join(tmpdir(), 'loupe-lang-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('loupe run', () => {
  test('prints, imports relative modules, and exits 0', () => {
    file('util.loupe', 'fn twice(x) { return x * 2 }');
    const io = capture();
    expect(runFile(file('ok.loupe', 'from "util" import twice\nprint(twice(21))'), io)).toBe(0);
    expect([io.out, io.err]).toEqual(['42\n', '']);
  });

  test('compile errors exit 65, runtime errors 70, with module paths for imported modules', () => {
    let io = capture();
    expect(runFile(file('bad.loupe', 'print(1 +)'), io)).toBe(65);
    expect(io.err).toBe("Error at 1:10: Expected expression but found ')'.\n");
    file('thrower.loupe', 'fn go() { throw "deep" }');
    io = capture();
    expect(runFile(file('rt.loupe', 'print("a")\nimport "thrower" as t\nt.go()'), io)).toBe(70);
    expect([io.out, io.err]).toEqual(['a\n', 'Error at thrower.loupe:1:11: deep\n']);
  });

  test('a missing file is a usage error, not a crash', () => {
    const io = capture();
    expect(runFile(join(dir, 'nope.loupe'), io)).toBe(66);
    expect(io.err).toContain('nope.loupe');
  });
});

describe('loupe check and fmt', () => {
  test('check prints every diagnostic as JSON and exits 65 when there are any', () => {
    const io = capture();
    expect(checkFile(file('two.loupe', 'print(a)\nprint(b)\n'), io)).toBe(65);
    expect(JSON.parse(io.out).map((d: { message: string }) => d.message)).toEqual(["Undefined variable 'a'.", "Undefined variable 'b'."]);
    const clean = capture();
    expect(checkFile(file('clean.loupe', 'print(1)\n'), clean)).toBe(0);
    expect(JSON.parse(clean.out)).toEqual([]);
  });

  test('fmt prints or rewrites the formatted file', () => {
    const p = file('messy.loupe', 'let x=1;print(x)');
    const io = capture();
    expect(formatFile(p, false, io)).toBe(0);
    expect(io.out).toBe('let x = 1\nprint(x)\n');
    formatFile(p, true, io);
    expect(readFileSync(p, 'utf8')).toBe('let x = 1\nprint(x)\n');
  });

  test('unknown commands print usage', async () => {
    const io = capture();
    expect(await langCommand('bogus', [], io)).toBe(64);
    expect(io.err).toContain('Usage');
  });
});

describe('loupe repl', () => {
  test('keeps declarations between entries, echoes expression values, continues open blocks', async () => {
    const io = capture();
    const input = Readable.from(['let x = 2\n', 'fn sq(n) {\n', 'return n * n\n', '}\n', 'sq(x) + 1\n', 'print("hi")\n', '"s"\n', 'nil.x\n', 'x\n']);
    await repl(input, io);
    expect(io.out).toBe('Loupe REPL. Ctrl-D to exit.\n> > . . > 5\n> hi\n> "s"\n> > 2\n> \n');
    expect(io.err).toBe('Error at 8:5: Value of type nil has no properties.\n');
  });
});
