// Property tests: 10,000 random and mutated programs never crash the host. Every outcome is
// exit 0, or a compile/runtime/limit error with a position and the one-line stderr of §1.
import { describe, expect, test } from 'vitest';
import { check, format, runProgram } from '../../src/main/lang/index';
import { SEEDS, generate, mutate, rng } from './gen';

const STDERR = /^Error at (?:[^\n]+:)?\d+:\d+: [^\n]*\n$/;

function assertWellBehaved(src: string): number {
  let r;
  try {
    r = runProgram(src, { budget: 20_000, timeoutMs: 2_000, maxMemory: 5_000_000 });
  } catch (e) {
    throw new Error(`host crashed on:\n${src}\n${String(e)}`);
  }
  if (r.exitCode === 0) {
    expect(r.stderr).toBe('');
    return 0;
  }
  if (!STDERR.test(r.stderr) || r.error === undefined || r.error.line < 1 || r.error.column < 1 || r.error.message.startsWith('Internal error')) {
    throw new Error(`bad failure for:\n${src}\n${JSON.stringify(r)}`);
  }
  return r.exitCode;
}

describe('fuzz', () => {
  test('5,000 mutated programs run, check and format without crashing the host', () => {
    const r = rng(7);
    for (let i = 0; i < 5000; i++) {
      const src = mutate(SEEDS[i % SEEDS.length], r);
      assertWellBehaved(src);
      expect(() => check(src)).not.toThrow();
      const formatted = format(src);
      expect(format(formatted)).toBe(formatted);
    }
  });

  test('5,000 generated programs end with a value or a positioned script error', () => {
    const r = rng(11);
    let failures = 0;
    for (let i = 0; i < 5000; i++) {
      const src = generate(r);
      if (assertWellBehaved(src) !== 0) failures++;
    }
    // The generator must exercise both paths, or it tests nothing.
    expect(failures).toBeGreaterThan(500);
    expect(failures).toBeLessThan(5000);
  });

  test('formatting a valid program keeps its behaviour', () => {
    for (const src of SEEDS.slice(-5)) {
      const [a, b] = [runProgram(format(src)), runProgram(src)];
      expect([a.stdout, a.exitCode, a.error?.message]).toEqual([b.stdout, b.exitCode, b.error?.message]);
    }
  });
});
