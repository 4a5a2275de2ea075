import { describe, expect, test } from 'vitest';
import { format } from '../../src/main/lang/index';

describe('format', () => {
  test('normalises layout and spacing', () => {
    expect(format('let x=1\nfn f(a,b){ return a+b*(2-1) }\nif x { print(1) } else if y { print(2) }\nelse { print(3) }\n'))
      .toBe('let x = 1\nfn f(a, b) {\n    return a + b * (2 - 1)\n}\nif x {\n    print(1)\n} else if y {\n    print(2)\n} else {\n    print(3)\n}\n');
  });

  test('keeps comments and single blank lines, drops semicolons', () => {
    const src = '# header\n\nlet a = 1 # one\n\n\n# own line\nlet b = 2; let c = 3\n';
    expect(format(src)).toBe('# header\n\nlet a = 1 # one\n\n# own line\nlet b = 2\nlet c = 3\n');
  });

  test('classes, try, anonymous functions inside calls, maps and lists', () => {
    const src = 'class A<B{\nfn init(){ self.x=[1,{"k":-1}] }\n}\ntry{throw 1}catch e{print(e)}\npush(l, fn(v){ return v })\n';
    const out = format(src);
    expect(out).toBe('class A < B {\n    fn init() {\n        self.x = [1, {"k": -1}]\n    }\n}\ntry {\n    throw 1\n} catch e {\n    print(e)\n}\npush(l, fn(v) {\n    return v\n})\n');
    expect(format(out)).toBe(out);
  });

  test('keeps numbers and strings exactly as written, and parentheses where they were', () => {
    expect(format('print(1.50e3, "a\\u{41}\\n", (1), -(2 ^ 2), 2 ^ -1)')).toBe('print(1.50e3, "a\\u{41}\\n", (1), -(2 ^ 2), 2 ^ -1)\n');
  });

  test('returns source that does not parse unchanged', () => {
    expect(format('let = 1')).toBe('let = 1');
  });
});
