import { describe, expect, test } from 'vitest';
import { transcript } from './helpers';

describe('built-ins', () => {
  test('conversions', () => {
    expect(transcript('print(num(" 12.5e1 "), num("5."), num(".5"), num("x"), num("1e"), num(3), type(num("-0")))')).toBe('125 5 0.5 nil nil 3 number\n[0]');
    expect(transcript('num([])')).toBe('Error at 1:4: Argument 1 of num() must be a string or number.\n[70]');
    expect(transcript('print(str([1, "a"]), repr("a"), type(Error), type(Error("m")), type(clock))')).toBe('[1, "a"] "a" class instance function\n[0]');
  });

  test('math', () => {
    expect(transcript('print(round(2.5), round(-2.5), round(-0.2), floor(-1.5), ceil(-1.5), abs(-2), sqrt(-1), pi)')).toBe(
      '3 -3 0 -2 -1 2 nan 3.141592653589793\n[0]',
    );
    expect(transcript('print(min(3, 1, 2), max([4, 9]), min(1))')).toBe('1 9 1\n[0]');
    expect(transcript('max([])')).toBe('Error at 1:4: Argument 1 of max() must be a non-empty list of numbers.\n[70]');
    expect(transcript('min(1, "a")')).toBe('Error at 1:4: Argument 2 of min() must be a number.\n[70]');
    expect(transcript('floor("1")')).toBe('Error at 1:6: Argument 1 of floor() must be a number.\n[70]');
  });

  test('range', () => {
    expect(transcript('print(range(3), range(2, 5), range(5, 0, -2), range(3, 1))')).toBe('[0, 1, 2] [2, 3, 4] [5, 3, 1] []\n[0]');
    expect(transcript('range(1, 2, 0)')).toBe('Error at 1:6: Argument 3 of range() must be a non-zero integer.\n[70]');
    expect(transcript('range(1.5)')).toBe('Error at 1:6: Argument 1 of range() must be an integer.\n[70]');
  });

  test('list functions', () => {
    expect(transcript('let l = [1, 2, 3]\ninsert(l, -1, 9)\nprint(l, pop(l), remove(l, 0), l)\nreverse(l)\nprint(l, copy(l) == l, has(l, 9))')).toBe(
      '[2, 9] 3 1 [2, 9]\n[9, 2] false true\n[0]',
    );
    expect(transcript('pop([])')).toBe('Error at 1:4: Cannot pop from an empty list.\n[70]');
    expect(transcript('insert([], 2, 0)')).toBe('Error at 1:7: Index out of range.\n[70]');
    expect(transcript('remove({}, 1)')).toBe('Error at 1:7: Key not found: 1.\n[70]');
    expect(transcript('print(slice([1, 2, 3], -2), slice("hello", 1, -1), slice("x", 5), join([1, nil, "a"], "-"))')).toBe('[2, 3] ell  1-nil-a\n[0]');
  });

  test('sort is stable, takes any callable, checks element types', () => {
    expect(transcript('let l = [[2, "a"], [1, "b"], [2, "c"]]\nsort(l, fn(x, y) { return x[0] < y[0] })\nprint(l)')).toBe(
      '[[1, "b"], [2, "a"], [2, "c"]]\n[0]',
    );
    expect(transcript('let l = ["b", "a"]\nsort(l)\nprint(l)')).toBe('["a", "b"]\n[0]');
    expect(transcript('sort([1, "a"])')).toBe('Error at 1:5: Argument 1 of sort() must be a list of numbers or a list of strings.\n[70]');
    expect(transcript('sort([1, 2], fn(a) { return true })')).toBe('Error at 1:5: Expected 1 argument but got 2.\n[70]');
    expect(transcript('sort([1, 2], 5)')).toBe('Error at 1:5: Argument 2 of sort() must be a function.\n[70]');
  });

  test('maps', () => {
    expect(transcript('let m = {"b": 1, "a": 2}\nprint(keys(m), values(m), get(m, "z"), get(m, "z", 0), has(m, "a"))')).toBe(
      '["b", "a"] [1, 2] nil 0 true\n[0]',
    );
    expect(transcript('keys([])')).toBe('Error at 1:5: Argument 1 of keys() must be a map.\n[70]');
  });

  test('strings, chr/ord and string methods', () => {
    expect(transcript('print(ord("A"), chr(128512), len(chr(128512)), has("abc", "bc"))')).toBe('65 😀 2 true\n[0]');
    expect(
      transcript(
        'print(" Ab ".trim().upper(), "a,,b".split(","), "".split(","), "abab".replace("ab", "x"), "ab".repeat(2), "abc".find("c"), "abc".startsWith("ab"), "abc".endsWith("b"), "abc".contains(""))',
      ),
    ).toBe('AB ["a", "", "b"] [""] xx abab 2 true false true\n[0]');
    expect(transcript('let f = "x".upper\nprint(f, f())')).toBe('<fn upper> X\n[0]');
    expect(transcript('"a".split("")')).toBe('Error at 1:10: Argument 1 of split() must be a non-empty string.\n[70]');
    expect(transcript('"a".repeat(-1)')).toBe('Error at 1:11: Argument 1 of repeat() must be a non-negative integer.\n[70]');
    expect(transcript('"a".upper(1)')).toBe('Error at 1:10: Expected 0 arguments but got 1.\n[70]');
    expect(transcript('has("a", 1)')).toBe('Error at 1:4: Argument 2 of has() must be a string.\n[70]');
    expect(transcript('ord("")')).toBe('Error at 1:4: Argument 1 of ord() must be a non-empty string.\n[70]');
  });

  test('assert and Error', () => {
    expect(transcript('assert(1)\nassert(nil)')).toBe('Error at 2:7: Assertion failed.\n[70]');
    expect(transcript('assert(false, "custom")')).toBe('Error at 1:7: custom\n[70]');
    expect(transcript('Error()')).toBe('Error at 1:6: Expected 1 argument but got 0.\n[70]');
  });
});

describe('built-in scope for tools', () => {
  test('BUILTIN_NAMES (used by check and the editor) lists exactly the run-time built-ins', async () => {
    const { BUILTIN_NAMES } = await import('../../src/main/lang/index');
    const { Runtime } = await import('../../src/main/lang/runtime');
    const { createBuiltins } = await import('../../src/main/lang/stdlib');
    const rt = new Runtime({ budget: 1e6, deadline: Infinity, maxMemory: 1e9 });
    expect([...createBuiltins(rt, () => {}).values.keys()].sort()).toEqual([...BUILTIN_NAMES].sort());
  });
});
