import { expect, test } from 'vitest';
import { runProgram } from '../../src/main/lang/index';
test('depth', () => {
  const r = runProgram('fn deep(n) { if n == 0 { return 0 }; return 1 + deep(n - 1) }\nprint(deep(10000))\nprint(deep(10001))');
  expect(r.stdout + r.stderr).toBe('');
});
