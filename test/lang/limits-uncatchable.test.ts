// Issue #12 item 6: a limit (time, budget, memory, cancellation) ends the run whatever the
// script's try/catch/finally does after it. Each attack runs on all three engines: the
// compiled one, the reference tree-walker and the deep-stack (generator) mode.
import { describe, expect, test } from 'vitest';
import { runProgram, type RunOptions } from '../../src/main/lang/index';

const ENGINES: Array<RunOptions['engine']> = ['compiled', 'reference', 'deep-stack'];

/** What each limit needs: the options that trigger it and a statement that hits it. */
const LIMITS: Array<{ name: string; message: string; options: RunOptions; hit: string }> = [
  { name: 'budget', message: 'Instruction budget exceeded.', options: { budget: 50_000 }, hit: 'while true {}' },
  { name: 'time', message: 'Time limit exceeded.', options: { timeoutMs: 30 }, hit: 'while true {}' },
  { name: 'cancel', message: 'Cancelled.', options: { signal: { aborted: true } }, hit: 'while true {}' },
  { name: 'memory', message: 'Memory limit exceeded.', options: { maxMemory: 1_000_000 }, hit: 'let s = "x".repeat(10000000)' },
  { name: 'memory (list)', message: 'Memory limit exceeded.', options: { maxMemory: 1_000_000 }, hit: 'let l = []\nwhile true { push(l, 1) }' },
];

/** Programs that try to turn a limit hit inside HIT into a normal end. */
const ESCAPES: Record<string, (hit: string) => string> = {
  'finally return': (hit) => `fn f() {\ntry {\n${hit}\n} finally {\nreturn "escaped"\n}\n}\nprint(f())\nprint("after")`,
  'catch then finally return': (hit) => `fn f() {\ntry {\n${hit}\n} catch e {\nprint("caught")\n} finally {\nreturn "escaped"\n}\n}\nprint(f())`,
  'nested finally return': (hit) => `fn f() {\ntry {\ntry {\n${hit}\n} finally {\nprint("inner")\n}\n} finally {\nreturn "escaped"\n}\n}\nprint(f())`,
  'finally break': (hit) => `while true {\ntry {\n${hit}\n} finally {\nbreak\n}\n}\nprint("escaped")`,
  'finally continue on a finite loop': (hit) => `let n = 0\nwhile n < 3 {\nn += 1\ntry {\n${hit}\n} finally {\ncontinue\n}\n}\nprint("escaped")`,
  'finally continue in a for loop': (hit) => `for i in [1, 2] {\ntry {\n${hit}\n} finally {\ncontinue\n}\n}\nprint("escaped")`,
  'finally throws, outer catch': (hit) => `try {\ntry {\n${hit}\n} finally {\nthrow "replaced"\n}\n} catch e {\nprint("caught " + e)\n}\nprint("escaped")`,
  'catch rethrows a new error, outer catch': (hit) => `try {\ntry {\n${hit}\n} catch e {\nthrow "new"\n}\n} catch e2 {\nprint("caught")\n}\nprint("escaped")`,
  'method finally return': (hit) => `class A {\nfn run() {\ntry {\n${hit}\n} finally {\nreturn 1\n}\n}\n}\nprint(A().run())`,
  'finally in a callback of sort': (hit) => `let l = [3, 1, 2]\nsort(l, fn(a, b) {\ntry {\n${hit}\n} finally {\nreturn a < b\n}\n})\nprint(l)`,
};

describe('limits cannot be caught or swallowed', () => {
  for (const engine of ENGINES) {
    for (const limit of LIMITS) {
      for (const [escape, make] of Object.entries(ESCAPES)) {
        test(`${engine}: ${limit.name} limit vs ${escape}`, () => {
          const r = runProgram(make(limit.hit), { ...limit.options, engine });
          expect(r.exitCode).toBe(70);
          expect(r.error).toMatchObject({ kind: 'limit', message: limit.message });
          expect(r.stdout).not.toMatch(/escaped|caught|after/);
          expect(r.stderr).toContain(limit.message);
        });
      }
    }
  }

  test('a finally still runs after a limit (its output stays), but cannot end the run normally', () => {
    for (const engine of ENGINES) {
      const r = runProgram('fn f() {\ntry {\nwhile true {}\n} finally {\nprint("cleanup")\nreturn 1\n}\n}\nf()', { budget: 10_000, engine });
      expect(r.stdout).toBe('cleanup\n');
      expect(r.error?.message).toBe('Instruction budget exceeded.');
    }
  });

  test('ordinary errors keep §9: a finally return still replaces them', () => {
    for (const engine of ENGINES) {
      const r = runProgram('fn f() {\ntry {\nthrow "x"\n} finally {\nreturn "replaced"\n}\n}\nprint(f())', { engine });
      expect(r.stdout).toBe('replaced\n');
      expect(r.exitCode).toBe(0);
      // The reference tree-walker needs more host stack than a test worker has for depth 10,000.
      if (engine === 'reference') continue;
      const so = runProgram('fn d(n) { return d(n + 1) }\nfn f() {\ntry {\nd(0)\n} finally {\nreturn "after overflow"\n}\n}\nprint(f())', { engine });
      expect(so.stdout).toBe('after overflow\n');
    }
  });
});
