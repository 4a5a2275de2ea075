// Random scripts with the `loupe` host calls in the mix, aimed at the sandbox's edges:
// hostile paths for every call that takes one (and for the tasks a script enqueues), huge
// output and huge strings and lists in built-ins, deep recursion, endless loops, and
// try/finally wrapped around limits. Seeded, so a failing script can be regenerated.
import { generate } from '../lang/gen';

/** The file system a fuzz run works in (made by server-fuzz.ts). */
export interface FuzzLayout {
  /** Folders granted to scripts. */
  granted: string[];
  /** A folder no script may write into (holds decoys: a fake .bashrc, a secret). */
  outside: string;
  /** The server's HOME (so `~/…` lands in the sandbox) and its TMPDIR. */
  home: string;
  tmp: string;
  /** A marker for names created in the real temp folder, so they can be found afterwards. */
  marker: string;
  datasetId: string;
  modelId: string;
}

/** A Loupe string literal (LANGUAGE.md §2: no \uXXXX, control characters as \u{h}). */
export const q = (s: string): string => {
  let out = '"';
  for (const c of s) {
    const code = c.charCodeAt(0);
    out += c === '\\' ? '\\\\' : c === '"' ? '\\"' : code < 0x20 || code === 0x7f ? `\\u{${code.toString(16)}}` : c;
  }
  return out + '"';
};

export function hostScript(r: () => number, L: FuzzLayout, index: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const g = () => pick(L.granted);
  const o = L.outside;
  const n = () => `${L.marker}-${index}-${Math.floor(r() * 1000)}`;
  // Paths that lead out of the granted folders, by every route we know of.
  const hostile = (): string =>
    pick([
      `${g()}/../outside/secret.txt`,
      `${g()}/../../${o.split('/').slice(-2).join('/')}/.bashrc`,
      `${g()}/link-out/secret.txt`,
      `${g()}/link-out/${n()}.csv`,
      `${g()}/link-out`,
      `${g()}/dangling`,
      `${g()}/link-file`,
      `${o}/secret.txt`,
      `${o}/.bashrc`,
      `${o}/${n()}.txt`,
      o,
      `${L.tmp}/${n()}`,
      `/tmp/${n()}`,
      `/tmp/${n()}/deeper/x.csv`,
      `~/${n()}`,
      '~/.bashrc',
      `${L.home}/.profile`,
      '../outside',
      '',
      'relative.txt',
      `${g()}/\u{0}evil`,
      `${g()}/a\n=cmd|' /C calc'!A0`,
    ]);
  const inside = (): string =>
    pick([g(), `${g()}/cats`, `${g()}/dogs`, `${g()}/cats/c1.png`, `${g()}/dogs/d2.png`, `${g()}/${n()}`, `${g()}/=HYPERLINK("x")`, `${g()}/+1,2;-3@"q"`]);
  const path = () => (r() < 0.6 ? hostile() : inside());
  const big = () => pick(['10', '100000', '1000000', '10000000', '100000000', '600000000', '1000000000', '1e15', '-1', '2.5', 'inf']);
  const huge = (): string =>
    pick([
      `"ab".repeat(${big()})`,
      `"a".repeat(${big()}).split("")`,
      `"ab".repeat(${big()}).replace("a", "xxxxxxxx")`,
      `join(range(${big()}), ",")`,
      `"x,".repeat(${big()}).split(",")`,
      `len("q".repeat(${big()}))`,
      `range(${big()})`,
    ]);
  const pattern = () =>
    pick([
      '"*"',
      '"*.png"',
      '"{jpg,png}"',
      '"?1.png"',
      '"[a-"',
      `"${'*a'.repeat(8 + Math.floor(r() * 30))}b"`,
      `"*".repeat(${big()})`,
      `"{" .repeat(50)`,
      '"***************************************x"',
    ]);
  let k = 0;
  const stmt = (): string => {
    k++;
    switch (Math.floor(r() * 22)) {
      case 0:
        return `print(loupe.files(${q(path())}${r() < 0.7 ? `, ${pattern()}` : ''}))`;
      case 1:
        return `print(loupe.copy(${q(path())}, ${q(path())}))`;
      case 2:
        return `print(loupe.move(${q(r() < 0.5 ? hostile() : `${g()}/${n()}.txt`)}, ${q(path())}))`;
      case 3:
        return `print(loupe.mkdir(${q(path())}))`;
      case 4:
        return `print(loupe.classify(${q(path())}))`;
      case 5:
        return `print(loupe.enqueue("predict-folder", {"modelId": ${q(L.modelId)}, "path": ${q(path())}, "output": ${q(path())}}))`;
      case 6:
        return `print(loupe.enqueue("predict-folder", {"modelId": ${q(L.modelId)}, "path": ${q(r() < 0.5 ? o : g())}}))`;
      case 7:
        return `print(loupe.enqueue("import", {"datasetId": ${q(L.datasetId)}, "paths": [${q(path())}, ${q(path())}]}))`;
      // A task a script enqueues must keep the script's grants: a script that escapes, run as a task.
      case 8:
        return `print(loupe.enqueue("script", {"source": ${q(`import "loupe" as loupe\nloupe.copy(${q(`${g()}/cats/c1.png`)}, ${q(hostile())})`)}}))`;
      case 9:
        return `loupe.log(${pick(['"x"', huge(), `"line".repeat(${big()})`, `str(range(${big()}))`])})`;
      case 10:
        return `print(${pick([`"p".repeat(${big()})`, huge(), 'loupe.datasets()'])})`;
      case 11:
        return `let h${k} = ${huge()}`;
      case 12:
        return `fn deep${k}(k) { return deep${k}(k + 1) + 1 }\nprint(deep${k}(0))`;
      case 13:
        return pick([
          'while true {}',
          'for i in range(1000000000) {}',
          'let s = "x"\nwhile true { s = s + s }',
          'let l = [1]\nwhile true { l = [l, l] }',
          'let m = {}\nlet k = 0\nwhile true { m[k] = "v".repeat(1000); k += 1 }',
        ]);
      case 14:
        return `fn g${k}() { try { while true {} } finally { return "escaped the time limit" } }\nprint(g${k}())`;
      case 15:
        return `fn g${k}() { try { return g${k}() } finally { return "escaped the depth limit" } }\nprint(g${k}())`;
      case 16:
        return `try { print(len(${huge()})) } catch e { print("caught", e.message) } finally { print("finally") }`;
      case 17:
        return 'while true { try { while true {} } catch e { print(e.message) } }';
      case 18:
        return `print(loupe.images(${q(L.datasetId)}), loupe.labels(${q(L.datasetId)}))`;
      case 19:
        return `print(loupe.${pick(['progress(0.5)', 'progress(-1)', 'progress(nan)', 'label("nope", "x")', 'datasets(1, 2)', 'nothing()', 'predictions("nope", {})'])})`;
      case 20:
        return `loupe.log(loupe.files(${q(g())}, ${pattern()}))`;
      default:
        return `for p in loupe.files(${q(g())}) { print(loupe.copy(p, ${q(path())})) }`;
    }
  };
  const lines = ['import "loupe" as loupe'];
  const count = 1 + Math.floor(r() * 4);
  for (let i = 0; i < count; i++) {
    const s = stmt();
    // Often caught, so one script reaches several calls after the first one fails.
    lines.push(r() < 0.6 && !s.includes('fn ') ? `try {\n${s}\n} catch e {\nprint("error:", e.message)\n}` : s);
  }
  return lines.join('\n');
}

/** Three in four scripts aim at the host; the rest are the language fuzzer's programs. */
export function fuzzScript(r: () => number, L: FuzzLayout, index: number): string {
  return r() < 0.75 ? hostScript(r, L, index) : generate(r);
}
