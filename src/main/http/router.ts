import { parsePattern, type PatternToken } from './router-pattern';

/**
 * A radix tree router. Static text is stored with shared prefixes compressed, so a lookup
 * walks the path once, character runs at a time; cost depends on the path's length, not on
 * how many routes exist. Routes without parameters also sit in a per-method hash map, which
 * answers most requests with one lookup. The match itself allocates nothing but the params
 * object: parameter positions go into a reused scratch array.
 *
 * Priority at each position: static text, then parameters with a pattern, then plain
 * parameters, then a wildcard; a dead end backtracks to the next candidate.
 */
export interface RouterOptions {
  /** Match `/Users` against `/users`. Default: true (case-sensitive). */
  caseSensitive?: boolean;
  /** `strict`: `/a/` and `/a` differ; `ignore`: they are the same route; `redirect` (default): 308 to the registered one. */
  trailingSlash?: 'strict' | 'ignore' | 'redirect';
}

export interface RouteEntry<T> {
  readonly method: string;
  readonly pattern: string;
  readonly paramNames: readonly string[];
  readonly value: T;
}

interface ParamEdge<T> {
  regex: RegExp | null;
  node: TreeNode<T>;
}

class TreeNode<T> {
  prefix: string;
  /** First character of each static child, parallel to `kids`: a short linear scan beats a Map here. */
  keys: number[] = [];
  kids: TreeNode<T>[] = [];
  params: ParamEdge<T>[] | null = null;
  wildcard: Map<string, RouteEntry<T>> | null = null;
  store: Map<string, RouteEntry<T>> | null = null;
  constructor(prefix: string) {
    this.prefix = prefix;
  }
  child(c: number): TreeNode<T> | undefined {
    const keys = this.keys;
    for (let k = 0; k < keys.length; k++) if (keys[k] === c) return this.kids[k];
    return undefined;
  }
  setChild(c: number, node: TreeNode<T>): void {
    const at = this.keys.indexOf(c);
    if (at === -1) {
      this.keys.push(c);
      this.kids.push(node);
    } else this.kids[at] = node;
  }
}

const ANY = '*';

export class Router<T> {
  private readonly root = new TreeNode<T>('');
  private readonly staticRoutes = new Map<string, Map<string, RouteEntry<T>>>();
  private readonly caseSensitive: boolean;
  readonly trailingSlash: 'strict' | 'ignore' | 'redirect';
  /** Parameter (start, end) offsets of the last match; read right after `find`. */
  private scratch: number[] = new Array<number>(32).fill(0);
  /** Used length of `scratch` (array length writes are slow builtins; an index is not). */
  private sp = 0;
  readonly routes: RouteEntry<T>[] = [];

  constructor(opts: RouterOptions = {}) {
    this.caseSensitive = opts.caseSensitive ?? true;
    this.trailingSlash = opts.trailingSlash ?? 'redirect';
  }

  add(method: string, pattern: string, value: T): RouteEntry<T> {
    const normal = this.normalize(pattern);
    const tokens = parsePattern(normal);
    const paramNames: string[] = [];
    for (const t of tokens) if (t.kind !== 'static') paramNames.push(t.name);
    const entry: RouteEntry<T> = { method, pattern, paramNames, value };
    if (paramNames.length === 0) {
      let byMethod = this.staticRoutes.get(normal);
      if (!byMethod) this.staticRoutes.set(normal, (byMethod = new Map()));
      if (byMethod.has(method)) throw new Error(`Route ${method} ${pattern} is registered twice.`);
      byMethod.set(method, entry);
    }
    this.insert(tokens, entry);
    this.routes.push(entry);
    return entry;
  }

  /**
   * Finds the route for `method` and `path` (already percent-decoded where needed).
   * `HEAD` falls back to `GET`. Returns null when nothing matches this method.
   */
  find(method: string, path: string): RouteEntry<T> | null {
    const key = this.lookupKey(path);
    const byMethod = this.staticRoutes.get(key);
    if (byMethod !== undefined) {
      const hit = byMethod.get(method) ?? (method === 'HEAD' ? byMethod.get('GET') : undefined);
      if (hit !== undefined) {
        this.sp = 0;
        return hit;
      }
    }
    this.sp = 0;
    return this.match(this.root, key, 0, method);
  }

  /** Builds the params object of the last successful `find` from the original path. */
  params(entry: RouteEntry<T>, path: string): Record<string, string> {
    const out: Record<string, string> = {};
    const s = this.scratch;
    const names = entry.paramNames;
    // Values come from the path as sent (case kept), trimmed like the lookup key was.
    let src = this.trailingSlash === 'ignore' && path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    if (!this.caseSensitive && src.toLowerCase().length !== src.length) src = src.toLowerCase();
    for (let k = 0; k < names.length; k++) out[names[k]] = src.slice(s[2 * k], s[2 * k + 1]);
    return out;
  }

  /** Methods registered for a path, for `405 Allow` and automatic `OPTIONS`. */
  allowed(path: string): string[] {
    const key = this.lookupKey(path);
    const methods = new Set<string>();
    this.collectMethods(key, methods);
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods];
  }

  /** The path with its trailing slash toggled, if that form has a route (for redirects). */
  alternate(method: string, path: string): string | null {
    if (this.trailingSlash !== 'redirect' || path === '/') return null;
    const other = path.endsWith('/') ? path.slice(0, -1) : `${path}/`;
    return this.find(method, other) ? other : null;
  }

  private collectMethods(key: string, into: Set<string>): void {
    // Try every method that exists anywhere; route tables are small enough for this cold path.
    const all = new Set(this.routes.map((r) => r.method));
    for (const m of all) {
      this.sp = 0;
      if (this.match(this.root, key, 0, m)) into.add(m);
    }
  }

  private lookupKey(path: string): string {
    let p = this.caseSensitive ? path : path.toLowerCase();
    if (this.trailingSlash === 'ignore' && p.length > 1 && p.charCodeAt(p.length - 1) === 47) p = p.slice(0, -1);
    return p;
  }

  private normalize(pattern: string): string {
    let p = pattern;
    if (!this.caseSensitive) p = p.replace(/(^|\/)([^:*][^/]*)/g, (_m, s: string, seg: string) => s + seg.toLowerCase());
    if (this.trailingSlash === 'ignore' && p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
    return p;
  }

  private insert(tokens: PatternToken[], entry: RouteEntry<T>): void {
    let node = this.root;
    for (const t of tokens) {
      if (t.kind === 'static') node = this.insertStatic(node, t.text);
      else if (t.kind === 'param') {
        node.params ??= [];
        const src = t.regex?.source ?? null;
        let edge = node.params.find((e) => (e.regex?.source ?? null) === src);
        if (!edge) {
          edge = { regex: t.regex, node: new TreeNode<T>('') };
          node.params.push(edge);
          node.params.sort((a, b) => (a.regex ? 0 : 1) - (b.regex ? 0 : 1));
        }
        node = edge.node;
      } else {
        node.wildcard ??= new Map();
        if (node.wildcard.has(entry.method)) throw new Error(`Route ${entry.method} ${entry.pattern} is registered twice.`);
        node.wildcard.set(entry.method, entry);
        return;
      }
    }
    node.store ??= new Map();
    if (node.store.has(entry.method)) throw new Error(`Route ${entry.method} ${entry.pattern} is registered twice.`);
    node.store.set(entry.method, entry);
  }

  private insertStatic(start: TreeNode<T>, text: string): TreeNode<T> {
    let node = start;
    let rest = text;
    while (rest.length > 0) {
      const c = rest.charCodeAt(0);
      let child = node.child(c);
      if (!child) {
        child = new TreeNode<T>(rest);
        node.setChild(c, child);
        return child;
      }
      const p = child.prefix;
      let i = 0;
      while (i < p.length && i < rest.length && p.charCodeAt(i) === rest.charCodeAt(i)) i++;
      if (i < p.length) {
        const split = new TreeNode<T>(p.slice(0, i));
        child.prefix = p.slice(i);
        split.setChild(child.prefix.charCodeAt(0), child);
        node.setChild(c, split);
        child = split;
      }
      node = child;
      rest = rest.slice(i);
    }
    return node;
  }

  private pick(store: Map<string, RouteEntry<T>> | null, method: string): RouteEntry<T> | null {
    if (store === null) return null;
    if (method === ANY) return store.values().next().value ?? null;
    return store.get(method) ?? (method === 'HEAD' ? store.get('GET') : undefined) ?? null;
  }

  private push(a: number, b: number): void {
    if (this.sp + 2 > this.scratch.length) this.scratch = this.scratch.concat(new Array<number>(this.scratch.length).fill(0));
    this.scratch[this.sp++] = a;
    this.scratch[this.sp++] = b;
  }

  private match(node: TreeNode<T>, path: string, i: number, method: string): RouteEntry<T> | null {
    const len = path.length;
    if (i === len) {
      const hit = this.pick(node.store, method);
      if (hit !== null) return hit;
    } else {
      if (node.keys.length !== 0) {
        const child = node.child(path.charCodeAt(i));
        if (child !== undefined && path.startsWith(child.prefix, i)) {
          const hit = this.match(child, path, i + child.prefix.length, method);
          if (hit !== null) return hit;
        }
      }
      const params = node.params;
      if (params !== null) {
        let end = path.indexOf('/', i);
        if (end === -1) end = len;
        if (end > i) {
          for (let k = 0; k < params.length; k++) {
            const edge = params[k];
            if (edge.regex !== null && !edge.regex.test(path.slice(i, end))) continue;
            this.push(i, end);
            const hit = this.match(edge.node, path, end, method);
            if (hit !== null) return hit;
            this.sp -= 2;
          }
        }
      }
    }
    if (node.wildcard !== null) {
      const hit = this.pick(node.wildcard, method);
      if (hit !== null) {
        this.push(i, len);
        return hit;
      }
    }
    return null;
  }
}
