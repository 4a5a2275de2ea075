// File-name patterns of `loupe.files`: `*`, `?` and `{a,b}` (nestable), case-insensitive.
//
// Why not a RegExp: V8's regex engine backtracks, so `*a*a*a*…b` against a long name takes
// exponential time, on the main thread. This matcher is a Thompson NFA: the pattern
// becomes O(pattern) states, and a name is read once while the set of live states is
// carried along, so a match costs O(pattern × name) whatever the pattern. Nothing here
// recurses on the name, and parsing is iterative too.

type State = { t: 'ch'; c: string; out: number } | { t: 'any'; out: number } | { t: 'star'; out: number } | { t: 'split'; outs: number[] } | { t: 'match' };

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

const MATCH = 0;
const CH = 1;
const ANY = 2;
const STAR = 3;
const SPLIT = 4;

/** A compiled pattern; `test` answers whether a whole file name matches. */
export class Glob {
  private readonly states: State[] = [];
  private readonly start: number;
  // The states again as flat typed arrays, for the hot loop.
  private readonly kind: Uint8Array;
  private readonly code: Int32Array;
  private readonly out: Int32Array;
  private readonly outsFrom: Int32Array;
  private readonly outsList: Int32Array;
  /** Per-state stamp of the last step that added it, so a state joins a set once. */
  private readonly seen: Int32Array;
  private stamp = 0;
  private live: Int32Array;
  private next: Int32Array;
  private readonly stack: Int32Array;
  /** A literal the name must end with (what follows the last wildcard or group), to turn most names away at once. */
  private readonly suffix: string;
  /** No `{…}`: states are then numbered in reverse pattern order, which the pruning in `test` relies on. */
  private readonly plain: boolean;
  /** Live states looked at so far, over all names: the caller's measure of the work done. */
  steps = 0;

  constructor(readonly pattern: string) {
    this.states.push({ t: 'match' });
    const items = parse(pattern);
    this.start = this.compile(items, 0);
    const n = this.states.length;
    this.kind = new Uint8Array(n);
    this.code = new Int32Array(n);
    this.out = new Int32Array(n);
    this.outsFrom = new Int32Array(n + 1);
    const outs: number[] = [];
    this.states.forEach((st, i) => {
      this.outsFrom[i] = outs.length;
      if (st.t === 'match') this.kind[i] = MATCH;
      else if (st.t === 'split') {
        this.kind[i] = SPLIT;
        outs.push(...st.outs);
      } else {
        this.kind[i] = st.t === 'ch' ? CH : st.t === 'any' ? ANY : STAR;
        this.out[i] = st.out;
        if (st.t === 'ch') this.code[i] = st.c.codePointAt(0)!;
      }
    });
    this.outsFrom[n] = outs.length;
    this.outsList = Int32Array.from(outs);
    this.seen = new Int32Array(n);
    this.live = new Int32Array(n);
    this.next = new Int32Array(n);
    this.stack = new Int32Array(n + outs.length + 1);
    let suffix = '';
    for (let i = items.length - 1; i >= 0 && items[i].t === 'ch'; i--) suffix = (items[i] as { c: string }).c + suffix;
    this.suffix = suffix;
    this.plain = items.every((it) => it.t !== 'group');
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

  /** Adds `from` and every state reachable without reading a character to `into`; answers the new size. */
  private close(from: number, into: Int32Array, size: number): number {
    const { stack, seen, kind, stamp } = this;
    let top = 0;
    stack[top++] = from;
    while (top > 0) {
      const i = stack[--top];
      if (seen[i] === stamp) continue;
      seen[i] = stamp;
      const k = kind[i];
      if (k === SPLIT) {
        for (let j = this.outsFrom[i]; j < this.outsFrom[i + 1]; j++) if (seen[this.outsList[j]] !== stamp) stack[top++] = this.outsList[j];
      } else {
        into[size++] = i;
        if (k === STAR && seen[this.out[i]] !== stamp) stack[top++] = this.out[i];
      }
    }
    return size;
  }

  /**
   * Without groups, a live star makes every live state before it (in the pattern)
   * redundant: whatever they could still match, the later star matches too (the argument
   * behind the classic two-pointer wildcard match). Keeping only the last star and what
   * follows it keeps the live set small, so `*a*a*a…` stays cheap on long names.
   * States are numbered back to front, so "before" is "a larger index".
   */
  private pruneBehindLastStar(set: Int32Array, size: number): number {
    let lastStar = -1;
    for (let j = 0; j < size; j++) if (this.kind[set[j]] === STAR && (lastStar === -1 || set[j] < lastStar)) lastStar = set[j];
    if (lastStar === -1) return size;
    let m = 0;
    for (let j = 0; j < size; j++) if (set[j] <= lastStar) set[m++] = set[j];
    return m;
  }

  test(name: string): boolean {
    const lower = name.toLowerCase();
    if (this.suffix && !lower.endsWith(this.suffix)) return false;
    const { kind, code, out } = this;
    this.stamp++;
    let n = this.close(this.start, this.live, 0);
    for (const ch of lower) {
      if (n === 0) return false;
      const c = ch.codePointAt(0)!;
      this.stamp++;
      let m = 0;
      for (let j = 0; j < n; j++) {
        const i = this.live[j];
        const k = kind[i];
        if (k === STAR) m = this.close(i, this.next, m);
        else if ((k === CH && code[i] === c) || k === ANY) m = this.close(out[i], this.next, m);
      }
      if (this.plain) m = this.pruneBehindLastStar(this.next, m);
      this.steps += n + m;
      const t = this.live;
      this.live = this.next;
      this.next = t;
      n = m;
    }
    for (let j = 0; j < n; j++) if (this.live[j] === 0) return true;
    return false;
  }
}
