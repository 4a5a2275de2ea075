import { describe, expect, test } from 'vitest';
import { runProgram, toLoupe, fromLoupe } from '../../src/main/lang/index';
import { memoryFiles, transcript } from './helpers';

const main = '/proj/main.loupe';

describe('modules', () => {
  test('import as, from-import with aliases, live exports, run once', () => {
    const readFile = memoryFiles({
      '/proj/lib/shapes.loupe':
        'print("loading shapes")\nlet count = 0\nfn bump() { count += 1 }\nclass Sq { fn init(s) { self.s = s } fn area() { return self.s * self.s } }',
    });
    const src = 'import "lib/shapes" as shapes\nfrom "lib/shapes.loupe" import Sq, bump as b\nb()\nb()\nprint(shapes.count, Sq(3).area(), shapes, shapes.bump)';
    expect(transcript(src, { mainPath: main, readFile })).toBe('loading shapes\n2 9 <module lib/shapes.loupe> <fn bump>\n[0]');
  });

  test('paths resolve against the importing module; display names are relative to main', () => {
    const readFile = memoryFiles({
      '/proj/a/b.loupe': 'import "../c" as c\nlet v = c.v + 1',
      '/proj/c.loupe': 'let v = 1\nfn fail() { return nil.x }',
      '/other/x.loupe': 'let y = 1',
    });
    expect(transcript('import "a/b" as b\nprint(b.v)', { mainPath: main, readFile })).toBe('2\n[0]');
    expect(transcript('import "c" as c\nc.fail()', { mainPath: main, readFile })).toBe('Error at c.loupe:2:24: Value of type nil has no properties.\n[70]');
    expect(transcript('import "../other/x" as x\nprint(x)', { mainPath: main, readFile })).toBe('<module ../other/x.loupe>\n[0]');
  });

  test('missing modules, missing exports, exports are not imports, module assignment fails', () => {
    const readFile = memoryFiles({ '/proj/m.loupe': 'import "n" as n\nlet a = 1', '/proj/n.loupe': 'let z = 0' });
    expect(transcript('import "nope" as n', { mainPath: main, readFile })).toBe('Error at 1:1: Module not found: "nope".\n[70]');
    expect(transcript('from "m" import a, b', { mainPath: main, readFile })).toBe('Error at 1:20: Module "m" has no export \'b\'.\n[70]');
    expect(transcript('from "m" import n', { mainPath: main, readFile })).toBe('Error at 1:17: Module "m" has no export \'n\'.\n[70]');
    expect(transcript('import "m" as m\nm.a = 2', { mainPath: main, readFile })).toBe('Error at 2:3: Cannot set property on value of type module.\n[70]');
    expect(transcript('import "m" as m\nprint(m.zz)', { mainPath: main, readFile })).toBe("Error at 2:9: Undefined property 'zz'.\n[70]");
  });

  test('cycles are detected at the import that closes them, the main module included', () => {
    const readFile = memoryFiles({
      '/proj/a.loupe': 'import "b" as b',
      '/proj/b.loupe': 'import "a" as a',
      '/proj/main.loupe': '',
      '/proj/c.loupe': 'import "main" as m',
    });
    expect(transcript('import "a" as a', { mainPath: main, readFile })).toBe('Error at b.loupe:1:1: Cyclic import of "a".\n[70]');
    expect(transcript('import "c" as c', { mainPath: main, readFile })).toBe('Error at c.loupe:1:1: Cyclic import of "main".\n[70]');
  });

  test('compile errors in a module end the program with 65 and cannot be caught', () => {
    const readFile = memoryFiles({ '/proj/bad.loupe': 'let x = \n' });
    expect(transcript('print("before")\nimport "bad" as b', { mainPath: main, readFile })).toBe(
      'before\nError at bad.loupe:2:1: Expected expression but found end of file.\n[65]',
    );
    const r = runProgram('import "bad" as b', { mainPath: main, readFile });
    expect(r.error).toMatchObject({ kind: 'compile', path: 'bad.loupe', line: 2, column: 1 });
  });

  test('a throw in a module top level propagates with its own position', () => {
    const readFile = memoryFiles({ '/proj/t.loupe': 'let a = 1\nthrow "boom"' });
    expect(transcript('import "t" as t', { mainPath: main, readFile })).toBe('Error at t.loupe:2:1: boom\n[70]');
  });
});

describe('host functions and modules', () => {
  test('globals and host modules are callable with arity checks; errors become script errors', () => {
    const calls: unknown[] = [];
    const r = transcript(
      'import "loupe" as loupe\nlog("hi", 2)\nprint(loupe.classify("a.jpg"), loupe.version)\ntry { loupe.fail() } catch e { print(e.message) }\nlog()',
      {
        globals: {
          log: {
            arity: [1, 3],
            call: (...a) => {
              calls.push(a);
              return null;
            },
          },
        },
        hostModules: {
          loupe: {
            classify: { arity: 1, call: (p) => toLoupe({ label: 'cat', path: p, scores: [0.9, 0.1] }) },
            fail: {
              arity: 0,
              call: () => {
                throw new Error('Folder not granted.');
              },
            },
            version: '1.0',
          },
        },
      },
    );
    expect(r).toBe(
      '{"label": "cat", "path": "a.jpg", "scores": [0.9, 0.1]} 1.0\nFolder not granted.\nError at 5:4: Expected 1 to 3 arguments but got 0.\n[70]',
    );
    expect(calls).toEqual([['hi', 2]]);
  });

  test('toLoupe/fromLoupe convert plain data both ways', () => {
    const v = toLoupe({ a: [1, 'x', null, true], b: { c: 2 } });
    expect(fromLoupe(v)).toEqual({ a: [1, 'x', null, true], b: { c: 2 } });
    expect(runProgram('class P { fn init() { self.x = 1 } }\nP()').value).toEqual({ x: 1 });
  });
});
