import { describe, expect, test } from 'vitest';
import { format } from '../../src/main/lang/index';

describe('format', () => {
  test('normalises layout and spacing', () => {
    expect(format('let x=1\nfn f(a,b){ return a+b*(2-1) }\nif x { print(1) } else if y { print(2) }\nelse { print(3) }\n')).toBe(
      'let x = 1\nfn f(a, b) {\n    return a + b * (2 - 1)\n}\nif x {\n    print(1)\n} else if y {\n    print(2)\n} else {\n    print(3)\n}\n',
    );
  });

  test('keeps comments and single blank lines, drops semicolons', () => {
    const src = '# header\n\nlet a = 1 # one\n\n\n# own line\nlet b = 2; let c = 3\n';
    expect(format(src)).toBe('# header\n\nlet a = 1 # one\n\n# own line\nlet b = 2\nlet c = 3\n');
  });

  test('classes, try, anonymous functions inside calls, maps and lists', () => {
    const src = 'class A<B{\nfn init(){ self.x=[1,{"k":-1}] }\n}\ntry{throw 1}catch e{print(e)}\npush(l, fn(v){ return v })\n';
    const out = format(src);
    expect(out).toBe(
      'class A < B {\n    fn init() {\n        self.x = [1, {"k": -1}]\n    }\n}\ntry {\n    throw 1\n} catch e {\n    print(e)\n}\npush(l, fn(v) {\n    return v\n})\n',
    );
    expect(format(out)).toBe(out);
  });

  test('keeps numbers and strings exactly as written, and parentheses where they were', () => {
    expect(format('print(1.50e3, "a\\u{41}\\n", (1), -(2 ^ 2), 2 ^ -1)')).toBe('print(1.50e3, "a\\u{41}\\n", (1), -(2 ^ 2), 2 ^ -1)\n');
  });

  test('returns source that does not parse unchanged', () => {
    expect(format('let = 1')).toBe('let = 1');
  });
});

describe('format over the conformance programs', () => {
  test('idempotent, and the formatted program prints and exits the same', async () => {
    const { readFileSync, readdirSync, statSync } = await import('node:fs');
    const { join, relative } = await import('node:path');
    const { runProgram } = await import('../../src/main/lang/index');
    const dir = join(import.meta.dirname, 'programs');
    const walk = (d: string): string[] => {
      let out: string[] = [];
      let names: string[] = [];
      try {
        names = readdirSync(d);
      } catch {
        return out;
      }
      for (const n of names) {
        const p = join(d, n);
        if (statSync(p).isDirectory()) out = out.concat(walk(p));
        else if (n.endsWith('.loupe')) out.push(p);
      }
      return out;
    };
    const readFile = (p: string): string | null => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return null;
      }
    };
    let checked = 0;
    for (const file of walk(dir)) {
      if (relative(dir, file).startsWith('depth')) continue;
      const src = readFileSync(file, 'utf8');
      const once = format(src);
      expect(format(once), file).toBe(once);
      const a = runProgram(src, { mainPath: file, readFile, budget: 2_000_000 });
      if (a.exitCode === 65) continue;
      const b = runProgram(once, { mainPath: file, readFile, budget: 2_000_000 });
      expect([b.stdout, b.exitCode, b.error?.message], file).toEqual([a.stdout, a.exitCode, a.error?.message]);
      checked++;
    }
    expect(checked === 0 || checked > 50).toBe(true);
  });
});
