// The compiled engine against the reference tree-walker, and against its own deep-stack
// (generator) mode: same stdout, stderr and exit status.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runProgram, type RunOptions } from '../../src/main/lang/index';
import { SEEDS, generate, mutate, rng } from './gen';

const outcome = (src: string, options: RunOptions): string => {
  const r = runProgram(src, options);
  return `${r.stdout}${r.stderr}[${r.exitCode}]`;
};

/** Host stack depth differs between the engines, so programs that overflow it are skipped. */
function compare(src: string, options: RunOptions = {}): boolean {
  const fast = outcome(src, options);
  if (/Stack overflow|Time limit/.test(fast)) return false;
  const reference = outcome(src, { ...options, engine: 'reference' });
  if (/Stack overflow|Time limit/.test(reference)) return false;
  expect(fast, src).toBe(reference);
  expect(outcome(src, { ...options, engine: 'deep-stack' }), src).toBe(fast);
  return true;
}

function loupeFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(loupeFiles(p));
    else if (name.endsWith('.loupe')) out.push(p);
  }
  return out;
}

describe('compiled engine vs reference interpreter', () => {
  test('the conformance programs and benchmark-style seeds behave the same', () => {
    const dir = join(import.meta.dirname, 'programs');
    let compared = 0;
    for (const file of loupeFiles(dir)) {
      if (relative(dir, file).startsWith('depth')) continue;
      const readFile = (p: string): string | null => {
        try {
          return readFileSync(p, 'utf8');
        } catch {
          return null;
        }
      };
      if (compare(readFileSync(file, 'utf8'), { mainPath: file, readFile, budget: 2_000_000 })) compared++;
    }
    for (const src of SEEDS.slice(-5)) if (compare(src)) compared++;
    expect(compared).toBeGreaterThan(5);
  });

  test('2,000 generated and mutated programs, including budget exhaustion at the same point', () => {
    const r = rng(23);
    let compared = 0;
    for (let i = 0; i < 2000; i++) {
      const src = i % 2 ? generate(r) : mutate(SEEDS[i % SEEDS.length], r);
      if (compare(src, { budget: 5_000 })) compared++;
    }
    expect(compared).toBeGreaterThan(1500);
  });

  test('operands are read in order when a later operand reassigns them, in functions and at top level', () => {
    const prelude = [
      'class B { fn init(v) { self.v = v } fn m(x) { return self.v + x } }',
      'let v = 1',
      'let l = [10, 20]',
      'let o = B(100)',
      'let f = fn(x) { return x + 1000 }',
      'let mut = fn() { v = 2; l = [30, 40]; o = B(200); f = fn(x) { return x + 2000 }; return 1 }',
    ];
    const forms = [
      'v + mut()',
      'v < mut()',
      'v == mut()',
      '[v, mut()]',
      '{v: mut()}',
      'l[mut()]',
      'l[0] + mut()',
      'o.v + mut()',
      'o.m(mut())',
      'f(mut())',
      'max(v, mut())',
      'v and mut()',
      '-v + mut()',
      'l + [mut()]',
      '(v) + mut()',
    ];
    const statements = ['l[0] = mut()', 'l[mut()] = v', 'o.v = mut()', 'o.v += mut()', 'l[0] += mut()', 'v += mut()'];
    const bodies = [...forms.map((x) => `print(${x})`), ...statements];
    for (const body of bodies) {
      const top = [...prelude, 'let keep = l', 'let keepO = o', body, 'print(v, l, o.v, keep, keepO.v)'].join('\n');
      const inFn = ['fn main() {', ...prelude, 'let keep = l', 'let keepO = o', body, 'print(v, l, o.v, keep, keepO.v)', '}', 'main()'].join('\n');
      for (const src of [top, inFn]) expect(outcome(src, {}), src).toBe(outcome(src, { engine: 'reference' }));
    }
  });
});
