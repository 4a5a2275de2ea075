import type { Path, TNode } from './template-parse';

/** A scope chain: innermost first. `meta` carries @index/@first/@last/@key of the nearest each. */
export interface Scope {
  value: unknown;
  parent: Scope | null;
  meta: { index: number; first: boolean; last: boolean; key: string } | null;
}

export type Render = (scope: Scope, partial: (name: string, scope: Scope) => string) => string;

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;', '=': '&#61;' };

export function escapeHtml(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[&<>"'`=]/.test(s) ? s.replace(/[&<>"'`=]/g, (c) => ESC[c]) : s;
}

/** Marks a string as already-safe HTML so `{{ }}` does not escape it again. */
export class SafeHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

function resolve(path: Path, scope: Scope): unknown {
  let s: Scope = scope;
  for (let i = 0; i < path.up && s.parent; i++) s = s.parent;
  const parts = path.parts;
  if (parts.length === 0) return s.value;
  const head = parts[0];
  let v: unknown;
  if (head.startsWith('@')) {
    const meta = s.meta;
    if (meta === null) return undefined;
    v = head === '@index' ? meta.index : head === '@first' ? meta.first : head === '@last' ? meta.last : meta.key;
  } else {
    // Names resolve in the innermost scope that has them, like variables in nested blocks.
    let found = false;
    for (let c: Scope | null = s; c; c = c.parent) {
      const obj = c.value;
      if (obj !== null && typeof obj === 'object' && Object.prototype.hasOwnProperty.call(obj, head)) {
        v = (obj as Record<string, unknown>)[head];
        found = true;
        break;
      }
    }
    if (!found) return undefined;
  }
  for (let i = 1; i < parts.length; i++) {
    if (v === null || v === undefined) return undefined;
    const p = parts[i];
    if (typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, p)) {
      if (typeof v === 'string' && p === 'length') v = v.length;
      else return undefined;
    } else v = (v as Record<string, unknown>)[p];
  }
  return v;
}

function truthy(v: unknown): boolean {
  return Array.isArray(v) ? v.length > 0 : Boolean(v);
}

/** Turns the parsed tree into one closure per node, joined once per render. */
export function compileNodes(nodes: TNode[]): Render {
  const parts = nodes.map(compileNode);
  if (parts.length === 1) return parts[0];
  return (scope, partial) => {
    let out = '';
    for (let i = 0; i < parts.length; i++) out += parts[i](scope, partial);
    return out;
  };
}

function compileNode(node: TNode): Render {
  switch (node.t) {
    case 'text': {
      const v = node.v;
      return () => v;
    }
    case 'out': {
      const { path, raw } = node;
      return (scope) => {
        const v = resolve(path, scope);
        if (v instanceof SafeHtml) return v.html;
        if (raw) return v === undefined || v === null ? '' : String(v);
        return escapeHtml(v);
      };
    }
    case 'if': {
      const yes = compileNodes(node.then);
      const no = compileNodes(node.else);
      const { path, negate } = node;
      return (scope, partial) => (truthy(resolve(path, scope)) !== negate ? yes(scope, partial) : no(scope, partial));
    }
    case 'each': {
      const body = compileNodes(node.body);
      const empty = compileNodes(node.else);
      const { path } = node;
      return (scope, partial) => {
        const v = resolve(path, scope);
        let out = '';
        if (Array.isArray(v)) {
          if (v.length === 0) return empty(scope, partial);
          for (let i = 0; i < v.length; i++) {
            out += body({ value: v[i], parent: scope, meta: { index: i, first: i === 0, last: i === v.length - 1, key: String(i) } }, partial);
          }
          return out;
        }
        if (v !== null && typeof v === 'object') {
          const keys = Object.keys(v);
          if (keys.length === 0) return empty(scope, partial);
          keys.forEach((k, i) => {
            out += body(
              { value: (v as Record<string, unknown>)[k], parent: scope, meta: { index: i, first: i === 0, last: i === keys.length - 1, key: k } },
              partial,
            );
          });
          return out;
        }
        return empty(scope, partial);
      };
    }
    case 'partial': {
      const name = node.name;
      return (scope, partial) => partial(name, scope);
    }
  }
}
