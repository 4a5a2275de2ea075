// File-name patterns of `loupe.files`: `*`, `?` and `{a,b}` (nestable), case-insensitive.
//
// Why not a RegExp: V8's regex engine backtracks, so `*a*a*a*…b` against a long name takes
// exponential time, on the main thread. This matcher is a Thompson NFA: the pattern
// becomes O(pattern) states, and a name is read once while the set of live states is
// carried along, so a match costs O(pattern × name) whatever the pattern. Nothing here
// recurses on the name, and parsing is iterative too.

type State =
  | { t: 'ch'; c: string; out: number }
  | { t: 'any'; out: number }
  | { t: 'star'; out: number }
  | { t: 'split'; outs: number[] }
  | { t: 'match' };

type Item = { t: 'ch'; c: string } | { t: 'any' } | { t: 'star' } | { t: 'group'; alts: Item[][] };

/** Splits a pattern into items; an unclosed `{` and a stray `}` or `,` are plain characters. */
function parse(pattern: string): Item[] {
  const chars = Array.from(pattern.toLowerCase());
  // Which `{` have a matching `}`: found with one pass and a stack, so parsing never guesses.
  const closes = new Set<number>();
  const open: number[] = [];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === '{') open.push(i);
    else if (chars[i] === '}' && open.length > 0) closes.add(open.pop()!);
  }
  const root: Item[] = [];
  // Each open group: its alternatives so far; the items being filled are the last alternative.
  const groups: Item[][][] = [];
  const current = (): Item[] => (groups.length > 0 ? groups[groups.length - 1][groups[groups.length - 1].length - 1] : root);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '{' && closes.has(i)) groups.push([[]]);
    else if (c === '}' && groups.length > 0) {
      const alts = groups.pop()!;
      current().push({ t: 'group', alts });
    } else if (c === ',' && groups.length > 0) groups[groups.length - 1].push([]);
    else if (c === '*') {
      const items = current();
      // `**` matches what `*` matches: one star state is enough.
      if (items[items.length - 1]?.t !== 'star') items.push({ t: 'star' });
    } else if (c === '?') current().push({ t: 'any' });
    else current().push({ t: 'ch', c });
  }
  return root;
}

/** A compiled pattern; `test` answers whether a whole file name matches. */
export class Glob {
  private readonly states: State[] = [];
  private readonly start: number;
  /** Per-state stamp of the last step that added it, so a state joins a set once. */
  private readonly seen: Int32Array;
  private stamp = 0;

  constructor(readonly pattern: string) {
    this.states.push({ t: 'match' });
    this.start = this.compile(parse(pattern), 0);
    this.seen = new Int32Array(this.states.length);
  }

  /** States are built back to front: each item's state points at what follows it. */
  private compile(items: Item[], next: number): number {
    // An explicit stack instead of recursion: nested groups cannot overflow the call stack.
    type Job = { items: Item[]; next: number; i: number; resolve: (start: number) => void };
    let result = next;
    const jobs: Job[] = [{ items, next, i: items.length - 1, resolve: (s) => (result = s) }];
    while (jobs.length > 0) {
      const job = jobs[jobs.length - 1];
      if (job.i < 0) {
        jobs.pop();
        job.resolve(job.next);
        continue;
      }
      const item = job.items[job.i--];
      if (item.t === 'group') {
        const after = job.next;
        const outs: number[] = [];
        const split = this.add({ t: 'split', outs });
        job.next = split;
        for (const alt of item.alts) jobs.push({ items: alt, next: after, i: alt.length - 1, resolve: (s) => outs.push(s) });
      } else {
        job.next = this.add(item.t === 'ch' ? { t: 'ch', c: item.c, out: job.next } : { t: item.t, out: job.next });
      }
    }
    return result;
  }

  private add(s: State): number {
    this.states.push(s);
    return this.states.length - 1;
  }

  /** Adds `from` and every state reachable without reading a character. */
  private close(from: number, into: number[]): void {
    const stack = [from];
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (this.seen[i] === this.stamp) continue;
      this.seen[i] = this.stamp;
      into.push(i);
      const s = this.states[i];
      if (s.t === 'split') for (const o of s.outs) stack.push(o);
      else if (s.t === 'star') stack.push(s.out);
    }
  }

  test(name: string): boolean {
    let live: number[] = [];
    this.stamp++;
    this.close(this.start, live);
    for (const c of name.toLowerCase()) {
      if (live.length === 0) return false;
      const next: number[] = [];
      this.stamp++;
      for (const i of live) {
        const s = this.states[i];
        if (s.t === 'star') this.close(i, next);
        else if ((s.t === 'ch' && s.c === c) || s.t === 'any') this.close(s.out, next);
      }
      live = next;
    }
    return live.includes(0);
  }
}
