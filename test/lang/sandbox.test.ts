import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runProgram } from '../../src/main/lang/index';

const root = join(import.meta.dirname, '..', '..');

describe('sandbox limits', () => {
  test('an infinite loop ends by the instruction budget', () => {
    const r = runProgram('let i = 0\nwhile true { i += 1 }', { budget: 100_000 });
    expect(r.exitCode).toBe(70);
    expect(r.error).toMatchObject({ kind: 'limit', message: 'Instruction budget exceeded.', line: 2, column: 1 });
  });

  test('runaway recursion without a base case is a script error, never a host crash', () => {
    const r = runProgram('fn f(n) { return f(n + 1) + 1 }\nf(0)');
    expect(r.exitCode).toBe(70);
    expect(r.stderr).toMatch(/^Error at 1:\d+: Stack overflow\.\n$/);
  });

  test('the budget cannot be caught or swallowed by catch', () => {
    const r = runProgram('while true { try { while true {} } catch e { print("caught") } }', { budget: 50_000 });
    expect(r.stdout).toBe('');
    expect(r.error?.kind).toBe('limit');
  });

  test('wall-clock timeout and cancellation are checked at back-edges', () => {
    expect(runProgram('while true {}', { timeoutMs: 50 }).error?.message).toBe('Time limit exceeded.');
    const signal = { aborted: true };
    expect(runProgram('fn f() { return 1 }\nwhile true { f() }', { signal }).error?.message).toBe('Cancelled.');
  });

  test('memory estimate cap stops unbounded growth', () => {
    const r = runProgram('let l = []\nwhile true { push(l, 1) }', { maxMemory: 1_000_000 });
    expect(r.error).toMatchObject({ kind: 'limit', message: 'Memory limit exceeded.' });
    expect(runProgram('let s = "ab"\nwhile true { s = s + s }').error?.kind).toBe('limit');
    expect(runProgram('range(1e12)').error?.message).toBe('Memory limit exceeded.');
  });

  test('output before a limit stays written', () => {
    const r = runProgram('print("partial")\nwhile true {}', { budget: 10_000 });
    expect(r.stdout).toBe('partial\n');
  });

  test('scripts cannot reach JS globals or host objects', () => {
    for (const name of ['globalThis', 'process', 'require', 'Function', 'eval', 'constructor', 'this']) {
      expect(runProgram(`print(${name})`).stderr).toMatch(/Undefined variable|Expected expression/);
    }
    expect(runProgram('print(print.constructor)').stderr).toBe('Error at 1:13: Value of type function has no properties.\n');
    expect(runProgram('print([].constructor)').stderr).toBe('Error at 1:10: Value of type list has no properties.\n');
  });
});

describe('call depth of exactly 10,000', () => {
  test('in this process too: the engine replays in deep-stack mode when the host stack is short', () => {
    const r = runProgram('fn deep(n) { if n == 0 { return 0 }; return 1 + deep(n - 1) }\nprint(deep(9999))\ndeep(10000)');
    expect(r.stdout + r.stderr).toBe('9999\nError at 1:53: Stack overflow.\n');
  });

  test('streamed output is not repeated by the replay', () => {
    const out: string[] = [];
    const r = runProgram('print("start")\nfn f(n) { if n == 0 { return 0 }; return 1 + f(n - 1) }\nprint(f(9999))\nf(10000)', { stdout: (t) => out.push(t) });
    expect(out.join('')).toBe('start\n9999\n');
    expect(r.stderr).toBe('Error at 2:47: Stack overflow.\n');
  });

  test('after a host function ran, a short host stack ends the run early but cleanly', () => {
    const r = runProgram('ping()\nfn f(n) { return 1 + f(n + 1) }\nf(0)', { globals: { ping: { arity: 0, call: () => null } } });
    expect(r.stderr).toMatch(/^Error at \d+:\d+: Stack overflow\.\n$/);
  });

  test('depth 10000 works, 10001 is Stack overflow at the call, and the program can go on', () => {
    const program = [
      'fn deep(n) { if n == 0 { return 0 }; return 1 + deep(n - 1) }',
      'print(deep(9999))',
      'class C { fn m(n) { if n == 0 { return 0 }; return self.m(n - 1) } }',
      'print(C().m(9999))',
      'try { deep(10000) } catch e { print(e.message) }',
      'print(deep(10))',
    ].join('\n');
    const code = `import { runProgram } from './src/main/lang/index';\nconst r = runProgram(${JSON.stringify(program)});\nprocess.stdout.write(r.stdout + r.stderr);`;
    const r = spawnSync(process.execPath, ['--stack-size=4000', '--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
    expect(r.stdout).toBe('9999\n0\nStack overflow.\n10\n');
  });
});
