// Issue #12 item 2a: every built-in that can grow counts what it will build BEFORE building
// it, and ends the script with the (uncatchable) memory limit. Sizes are chosen so that,
// uncounted, each would allocate hundreds of megabytes or hit a V8 fatal error; the limit
// must come first and fast. The cap is a quarter of the script worker's (256 MB) to keep
// the suite quick on a shared machine; the last test runs the V8-fatal ones at 1 GiB.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { MAX_STRING_LENGTH, repr, runProgram, str, type LoupeValue, type RunOptions } from '../../src/main/lang/index';
import { strWithin } from '../../src/main/lang/values';

const root = join(import.meta.dirname, '..', '..');
const WORKER_CAP: RunOptions = { maxMemory: 64 * 1024 * 1024 };

/** Each program must end with the memory limit, uncaught, under the worker's cap. */
const GROWERS: Record<string, string> = {
  repeat: '"x".repeat(2 ^ 28)',
  'repeat past the longest string': '"xy".repeat(2 ^ 28)',
  'replace with an empty-looking needle growing every char': 'let s = "a".repeat(2 ^ 20)\ns.replace("a", "b".repeat(1000))',
  'replace many occurrences':
    'let s = "ab".repeat(2 ^ 22)\nlet t = s.replace("a", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")\nt.replace("x", "yyyyyyyyyyyyyyyyyy")',
  'doubling by concatenation': 'let s = "ab"\nwhile true { s = s + s }',
  'doubling a list by concatenation': 'let l = [1]\nwhile true { l = l + l }',
  'split into a huge list': 'let s = ",".repeat(2 ^ 26)\nlet parts = s.split(",")\nprint(len(parts))',
  'split into many pieces under the cap of elements': 'let s = ",".repeat(2 ^ 24)\nlet parts = s.split(",")',
  'join of a huge list': 'let l = []\nfor i in range(1000) { push(l, "x".repeat(1000000)) }\njoin(l, "")',
  'join of a list repeated into itself': 'let l = ["x".repeat(1000)]\nfor i in range(40) { l = [l, l] }\njoin([l], ",")',
  'str of a list repeated into itself': 'let l = ["abc"]\nfor i in range(60) { l = [l, l] }\nlet s = str(l)',
  'repr of a list repeated into itself': 'let l = ["abc"]\nfor i in range(60) { l = [l, l] }\nrepr(l)',
  'print of a list repeated into itself': 'let l = [1]\nfor i in range(60) { l = [l, l] }\nprint(l)',
  'a map key that is huge in an error message':
    'let l = [1]\nfor i in range(60) { l = [l, l] }\nlet m = {}\ntry { m[l] } catch e { print(len(e.message)) }\nprint(l)',
  range: 'range(2 ^ 40)',
  'range under the list cap, over the estimate': 'let a = range(2 ^ 24)\nlet b = range(2 ^ 24)\nlet c = range(2 ^ 24)',
  'map building': 'let m = {}\nlet i = 0\nwhile true { m[i] = i\ni += 1 }',
  'list building with push': 'let l = []\nwhile true { push(l, nil) }',
  'list building with insert': 'let l = []\nwhile true { insert(l, len(l), 1) }',
  'copies of a big list': 'let l = range(2 ^ 20)\nlet keep = []\nwhile true { push(keep, copy(l)) }',
  'keys of a big map, repeatedly': 'let m = {}\nfor i in range(100000) { m[i] = i }\nlet keep = []\nwhile true { push(keep, keys(m)) }',
  'slices of a big string': 'let s = "x".repeat(2 ^ 24)\nlet keep = []\nwhile true { push(keep, slice(s, 1)) }',
  'upper of a huge string': 'let s = "ß".repeat(2 ^ 26)\ns.upper()',
};

/** The growers that, uncounted, end a Node process with a V8 fatal error or a heap abort. */
const FATAL_UNCOUNTED = [
  'repeat past the longest string',
  'split into a huge list',
  'join of a huge list',
  'join of a list repeated into itself',
  'str of a list repeated into itself',
  'replace many occurrences',
  'doubling a list by concatenation',
];

describe('built-ins count before they build', () => {
  for (const [name, source] of Object.entries(GROWERS)) {
    test(
      name,
      () => {
        const started = Date.now();
        const r = runProgram(source, WORKER_CAP);
        expect(r.error).toMatchObject({ kind: 'limit', message: 'Memory limit exceeded.' });
        expect(r.exitCode).toBe(70);
        // Refused up front, not after building hundreds of megabytes.
        expect(Date.now() - started).toBeLessThan(20_000);
      },
      30_000,
    );
  }

  test('the memory limit cannot be caught either', () => {
    const r = runProgram('try { "x".repeat(2 ^ 28) } catch e { print("caught") }\nprint("after")', WORKER_CAP);
    expect(r.stdout).toBe('');
    expect(r.error?.message).toBe('Memory limit exceeded.');
  });

  test('no string longer than MAX_STRING_LENGTH, whatever the memory cap', () => {
    const r = runProgram(`"x".repeat(${MAX_STRING_LENGTH + 1})`, { maxMemory: 2 ** 40 });
    expect(r.error?.message).toBe('Memory limit exceeded.');
  });

  test('ordinary sizes still work and keep their exact results', () => {
    const r = runProgram(
      [
        'print("ab".repeat(3))',
        'print("a,b,,c".split(","))',
        'print("aXbXc".replace("X", "$&"))',
        'print(join(["a", 1, [2]], "-"))',
        'print(len(str(range(1000))))',
        'print(min(range(100000)), max(range(100000)))',
        'print("Straße".upper())',
      ].join('\n'),
      WORKER_CAP,
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ababab\n["a", "b", "", "c"]\na$&b$&c\na-1-[2]\n4890\n0 99999\nSTRASSE\n');
  });

  test('str/repr of shared and cyclic lists and maps are exact when they fit, refused at once when not', () => {
    const src = [
      'let l = ["a\\n", 1, nil]',
      'for i in range(3) { l = [l, l] }',
      'let m = {"k": l, 2: [l]}',
      'push(l, m)',
      'push(l[0], l)',
      'print(l)',
      'print(repr(m))',
      'print(len(str(l)), len(repr(m)))',
    ].join('\n');
    const big = runProgram(src, { maxMemory: 2 ** 30 });
    const small = runProgram(src.replace('range(3)', 'range(50)'), { maxMemory: 2 ** 30 });
    expect(big.stdout).toContain('[...]');
    // The bounded text is exactly the unbounded one (values.str / repr, no budget).
    type L = LoupeValue[];
    let l: L = ['a\n', 1, null];
    for (let i = 0; i < 3; i++) l = [l, l];
    const m = new Map<LoupeValue, LoupeValue>([
      ['k', l],
      [2, [l]],
    ]);
    l.push(m);
    (l[0] as L).push(l);
    expect(strWithin(l, false, 1e9)).toBe(str(l));
    expect(strWithin(m, true, 1e9)).toBe(repr(m));
    expect(big.stdout.split('\n')[0]).toBe(str(l));
    expect(strWithin(l, false, str(l).length)).toBe(str(l));
    expect(strWithin(l, false, str(l).length - 1)).toBeNull();
    expect(big.exitCode).toBe(0);
    expect(small.error?.message).toBe('Memory limit exceeded.');
  });

  test('the host survives every grower at the default 1 GiB cap (separate process, real V8 limits)', () => {
    // Run as `loupe run` would, in a fresh Node: a V8 fatal error would end it with a signal
    // or status 133/134 instead of the limit's line and status 70.
    const script = `
      import { runProgram } from ${JSON.stringify(join(root, 'src/main/lang/index.ts'))};
      const sources = ${JSON.stringify(FATAL_UNCOUNTED.map((k) => GROWERS[k]))};
      for (const s of sources) {
        const r = runProgram(s);
        if (r.error?.message !== 'Memory limit exceeded.') { console.log('NOT LIMITED: ' + s + ' -> ' + JSON.stringify(r.error)); process.exit(1); }
      }
      console.log('survived ' + sources.length);
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--max-old-space-size=4096', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(r.signal).toBeNull();
    expect(r.stdout.trim()).toBe(`survived ${FATAL_UNCOUNTED.length}`);
    expect(r.status).toBe(0);
  }, 250_000);
});
