import { describe, expect, test } from 'vitest';
import { runProgram } from '../../src/main/lang/index';
import { transcript } from './helpers';

describe('values and operators', () => {
  test('numbers print as ECMAScript does, except nan/inf', () => {
    expect(transcript('print(1e21, 1e-7, 123e-20, 100, -0, 0.1 + 0.2, 1/3, 2^70, -inf, nan, 2^53)')).toBe(
      '1e+21 1e-7 1.23e-18 100 0 0.30000000000000004 0.3333333333333333 1.1805916207174113e+21 -inf nan 9007199254740992\n[0]',
    );
  });

  test('floored modulo, division by zero after the type check', () => {
    expect(transcript('print(-7 % 3, 7 % -3, 5.5 % 2, -6 % 3)')).toBe('2 -2 1.5 0\n[0]');
    expect(transcript('print(1 % -0)')).toBe('Error at 1:9: Division by zero.\n[70]');
    expect(transcript('print("a" / 0)')).toBe("Error at 1:11: Cannot apply '/' to string and number.\n[70]");
  });

  test('operator errors name both types at the operator', () => {
    expect(transcript('let x = [1] + nil')).toBe("Error at 1:13: Cannot apply '+' to list and nil.\n[70]");
    expect(transcript('print(-{})')).toBe("Error at 1:7: Cannot apply '-' to map.\n[70]");
    expect(transcript('print("a" < 1)')).toBe("Error at 1:11: Cannot apply '<' to string and number.\n[70]");
    expect(transcript('print(print >= 1)')).toBe("Error at 1:13: Cannot apply '>=' to function and number.\n[70]");
  });

  test('equality is by value for primitives and by identity otherwise', () => {
    expect(
      transcript(
        'let l = [1]\nclass A { fn m() {} }\nlet a = A()\nprint(1 == 1.0, nan == nan, 0 == -0, [] == [], l == l, a.m == a.m, nil == false, "a" == "a")',
      ),
    ).toBe('true false true false true false false true\n[0]');
  });

  test('maps: any key, nan is one key, -0 is 0, insertion order kept', () => {
    expect(transcript('let m = {nan: 1, -0: "z", [1]: 2}\nm[nan] = 3\nm["x"] = 1\nremove(m, "x")\nm["x"] = 2\nprint(m, m[0], len(m))')).toBe(
      '{nan: 3, 0: "z", [1]: 2, "x": 2} z 4\n[0]',
    );
  });

  test('str and repr, including cycles and escapes', () => {
    expect(transcript('let l = [1, "a\\n"]\npush(l, l)\nprint(l, repr("\\u{7}\\"\\\\"), str(nil))\nprint({"k": {}})')).toBe(
      '[1, "a\\n", [...]] "\\u{7}\\"\\\\" nil\n{"k": {}}\n[0]',
    );
  });

  test('indexing rules and errors', () => {
    expect(transcript('print([1, 2][-1], "abc"[1], {"a": 1}["a"])')).toBe('2 b 1\n[0]');
    expect(transcript('print([1][1])')).toBe('Error at 1:10: Index out of range.\n[70]');
    expect(transcript('print([1][0.5])')).toBe('Error at 1:10: Index must be an integer.\n[70]');
    expect(transcript('print({}["k"])')).toBe('Error at 1:9: Key not found: "k".\n[70]');
    expect(transcript('print(1[0])')).toBe('Error at 1:8: Value of type number is not indexable.\n[70]');
    expect(transcript('let s = "x"\ns[0] = "y"')).toBe('Error at 2:2: Value of type string does not support index assignment.\n[70]');
  });
});

describe('statements', () => {
  test('for-in over lists (live length), maps (snapshot) and strings', () => {
    expect(transcript('let l = [1, 2]\nfor x in l { if x < 3 { push(l, x + 2) }; print(x) }')).toBe('1\n2\n3\n4\n[0]');
    expect(transcript('let m = {"a": 1}\nfor k, v in m { m["b"] = 2; print(k, v) }\nprint(len(m))')).toBe('a 1\n2\n[0]');
    expect(transcript('for i, c in "hé" { print(i, c) }')).toBe('0 h\n1 é\n[0]');
    expect(transcript('for x in nil {}')).toBe('Error at 1:7: Value of type nil is not iterable.\n[70]');
  });

  test('each iteration has fresh loop variables', () => {
    expect(transcript('let fs = []\nfor i in [1, 2, 3] { push(fs, fn() { return i }) }\nprint(fs[0](), fs[2]())')).toBe('1 3\n[0]');
  });

  test('compound assignment evaluates the target parts once, errors at the operator', () => {
    expect(transcript('let n = 0\nfn idx() { n += 1; return 0 }\nlet l = [5]\nl[idx()] += 1\nprint(l, n)')).toBe('[6] 1\n[0]');
    expect(transcript('let x = "a"\nx -= 1')).toBe("Error at 2:3: Cannot apply '-' to string and number.\n[70]");
  });

  test('property assignment only on instances', () => {
    expect(transcript('let m = {}\nm.x = 1')).toBe('Error at 2:3: Cannot set property on value of type map.\n[70]');
  });

  test('try/catch/finally completions, including overriding ones', () => {
    expect(transcript('fn f() { try { return 1 } finally { print("fin") } }\nprint(f())')).toBe('fin\n1\n[0]');
    expect(transcript('fn f() { try { throw 1 } finally { return 2 } }\nprint(f())')).toBe('2\n[0]');
    expect(transcript('for i in [1, 2, 3] { try { if i == 2 { continue } print(i) } finally { print("f", i) } }')).toBe(
      "Error at 1:51: Expected end of statement but found 'print'.\n[65]",
    );
    expect(transcript('try { try { throw "in" } catch e { throw e + "!" } } catch e { print(e) }')).toBe('in!\n[0]');
    expect(transcript('try { 1 / 0 } catch e { print(type(e), e.message, e) }')).toBe('instance Division by zero. <Error instance>\n[0]');
  });

  test('uncaught values: message field, or str of the value, at the last throw', () => {
    expect(transcript('class E < Error { fn init(m) { super.init("E:" + m) } }\nthrow E("x")')).toBe('Error at 2:1: E:x\n[70]');
    expect(transcript('print("out")\nthrow [1, "a"]')).toBe('out\nError at 2:1: [1, "a"]\n[70]');
    expect(transcript('try { throw 1 } catch e {\n  throw e }')).toBe('Error at 2:3: 1\n[70]');
  });
});

describe('functions and classes', () => {
  test('arity and callability errors at the (', () => {
    expect(transcript('fn f(a) {}\nf()')).toBe('Error at 2:2: Expected 1 argument but got 0.\n[70]');
    expect(transcript('fn f() {}\nf(1, 2)')).toBe('Error at 2:2: Expected 0 arguments but got 2.\n[70]');
    expect(transcript('"s"()')).toBe('Error at 1:4: Value of type string is not callable.\n[70]');
    expect(transcript('slice("a")')).toBe('Error at 1:6: Expected 2 to 3 arguments but got 1.\n[70]');
    expect(transcript('min()')).toBe('Error at 1:4: Expected at least 1 argument but got 0.\n[70]');
  });

  test('closures share captured variables', () => {
    expect(transcript('fn mk() { let n = 0; return [fn() { n += 1; return n }, fn() { return n }] }\nlet p = mk()\np[0]()\np[0]()\nprint(p[1]())')).toBe(
      '2\n[0]',
    );
  });

  test('inheritance, super, init re-run, fields shadow methods', () => {
    const src = [
      'class A { fn init(x) { self.x = x } fn who() { return "A" + str(self.x) } }',
      'class B < A { fn init(x) { super.init(x * 2) } fn who() { return "B" + super.who() } }',
      'let b = B(2)',
      'print(b.who(), b.init(5) == b, b.x, B, b, b.who)',
      'b.who = fn() { return "field" }',
      'print(b.who())',
    ].join('\n');
    expect(transcript(src)).toBe('BA4 true 10 <class B> <B instance> <fn who>\nfield\n[0]');
    expect(transcript('class A {}\nA().x')).toBe("Error at 2:5: Undefined property 'x'.\n[70]");
    expect(transcript('let A = 1\nclass B < A {}')).toBe('Error at 2:11: Superclass must be a class.\n[70]');
    expect(transcript('class A { fn f() { return super.g } }\nclass B < A { fn f() { return super.g() } }\nB().f()')).toBe(
      "Error at 1:27: Cannot use 'super' in a class with no superclass.\n[65]",
    );
  });

  test('the callee, receiver and assignment object are read before arguments that reassign them', () => {
    const src = [
      'fn run() {',
      '  let f = fn(x) { return "old" }',
      '  let o = [1]',
      '  let swap = fn() { f = fn(x) { return "new" }; o = [9]; return 0 }',
      '  let a = f(swap())',
      '  o[0] = swap()',
      '  return [a, f(0)]',
      '}',
      'print(run())',
    ].join('\n');
    expect(transcript(src)).toBe('["old", "new"]\n[0]');
  });

  test('method call order: receiver, arguments, then lookup', () => {
    expect(transcript('fn arg() { print("arg"); return 1 }\nnil.m(arg())')).toBe('arg\nError at 2:5: Value of type nil has no properties.\n[70]');
  });

  test('script names never reach JS built-in slots', () => {
    expect(
      transcript('class A { fn init() { self.constructor = 1; self.__proto__ = 2 } }\nlet a = A()\nprint(a.constructor, a.__proto__)\nprint(a.toString)'),
    ).toBe("1 2\nError at 4:9: Undefined property 'toString'.\n[70]");
    expect(transcript('let m = {}\nm["__proto__"] = 1\nprint(m, has(m, "constructor"), get(m, "toString"))')).toBe('{"__proto__": 1} false nil\n[0]');
    expect(transcript('print("".constructor)')).toBe("Error at 1:10: Undefined property 'constructor'.\n[70]");
  });
});

describe('RunResult', () => {
  test('value is the last top-level expression statement, as plain JS', () => {
    expect(runProgram('let x = 2\n[x, {"a": nil}]').value).toEqual([2, { a: null }]);
    expect(runProgram('let x = 1').value).toBeNull();
  });

  test('errors carry kind, position and message', () => {
    expect(runProgram('1 +').error).toEqual({ kind: 'compile', message: 'Expected expression but found end of file.', line: 1, column: 4 });
    expect(runProgram('\n  nil()').error).toEqual({ kind: 'runtime', message: 'Value of type nil is not callable.', line: 2, column: 6 });
  });

  test('streaming stdout receives each print', () => {
    const chunks: string[] = [];
    const r = runProgram('print(1)\nprint("a", "b")', { stdout: (t) => chunks.push(t) });
    expect(chunks).toEqual(['1\n', 'a b\n']);
    expect(r.stdout).toBe('');
  });
});
