import { describe, expect, test } from 'vitest';
import { transcript } from './helpers';

const err = (src: string): string => transcript(src);

describe('resolver', () => {
  test('every resolution error of §5, with its position', () => {
    expect(err('print(y)')).toBe("Error at 1:7: Undefined variable 'y'.\n[65]");
    expect(err('let a = 1\nlet a = 2')).toBe("Error at 2:5: 'a' is already declared in this scope.\n[65]");
    expect(err('fn f(a, a) {}')).toBe("Error at 1:9: 'a' is already declared in this scope.\n[65]");
    expect(err('for a, a in [] {}')).toBe("Error at 1:8: 'a' is already declared in this scope.\n[65]");
    expect(err('len = 1')).toBe("Error at 1:1: Cannot assign to built-in 'len'.\n[65]");
    expect(err('print(self)')).toBe("Error at 1:7: Cannot use 'self' outside of a method.\n[65]");
    expect(err('fn f() { return super.x }')).toBe("Error at 1:17: Cannot use 'super' outside of a method.\n[65]");
    expect(err('class A { fn f() { return super.x } }')).toBe("Error at 1:27: Cannot use 'super' in a class with no superclass.\n[65]");
    expect(err('return')).toBe('Error at 1:1: Cannot return from top-level code.\n[65]');
    expect(err('class A { fn init() { return 1 } }')).toBe("Error at 1:23: Cannot return a value from 'init'.\n[65]");
    expect(err('break')).toBe("Error at 1:1: Cannot use 'break' outside of a loop.\n[65]");
    expect(err('while true { fn f() { continue } }')).toBe("Error at 1:23: Cannot use 'continue' outside of a loop.\n[65]");
    expect(err('class A < A {}')).toBe('Error at 1:11: A class cannot inherit from itself.\n[65]');
    expect(err('class A { fn f() {}\nfn f() {} }')).toBe("Error at 2:4: Duplicate method 'f'.\n[65]");
    expect(err('if true { import "x" as y }')).toBe('Error at 1:11: Imports are only allowed at the top level.\n[65]');
  });

  test('the resolution error at the smallest position is reported', () => {
    expect(err('fn f() { return b }\nprint(a)')).toBe("Error at 1:17: Undefined variable 'b'.\n[65]");
    expect(err('print(a); print(b)')).toBe("Error at 1:7: Undefined variable 'a'.\n[65]");
  });

  test('module names are hoisted, block names are not', () => {
    expect(err('fn f() { return g() }\nfn g() { return 1 }\nprint(f())')).toBe('1\n[0]');
    expect(err('{ fn f() { return g() }\nfn g() { return 1 } }')).toBe("Error at 1:19: Undefined variable 'g'.\n[65]");
    expect(err('let x = 1\n{ let x = x + 1; print(x) }')).toBe('2\n[0]');
    expect(err('fn f(a) { let a = 2; return a }\nprint(f(1))')).toBe('2\n[0]');
    expect(err('{ fn fact(n) { if n < 2 { return 1 }; return n * fact(n - 1) }; print(fact(5)) }')).toBe('120\n[0]');
  });

  test('self is visible in functions nested in methods; builtins can be shadowed', () => {
    expect(err('class A { fn init() { self.v = 3 } fn get() { return fn() { return self.v } } }\nprint(A().get()())')).toBe('3\n[0]');
    expect(err('fn len(x) { return 42 }\nprint(len([]))')).toBe('42\n[0]');
  });

  test('uninitialized module variables are a runtime error at the identifier', () => {
    expect(err('print(x)\nlet x = 1')).toBe("Error at 1:7: Cannot access 'x' before initialization.\n[70]");
    expect(err('fn f() { x = 2 }\nf()\nlet x = 1')).toBe("Error at 1:10: Cannot access 'x' before initialization.\n[70]");
    expect(err('class B < A {}\nclass A {}')).toBe("Error at 1:11: Cannot access 'A' before initialization.\n[70]");
  });
});
