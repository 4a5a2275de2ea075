import { readFileSync } from 'node:fs';
import { join, resolve, relative, isAbsolute } from 'node:path';
import { compileNodes, SafeHtml, type Render, type Scope } from './template-compile';
import { parseTemplate, TemplateError } from './template-parse';

export { escapeHtml, SafeHtml } from './template-compile';
export { TemplateError } from './template-parse';

export interface TemplateOptions {
  /** Folder of `NAME.html` files, loaded on first use. */
  dir?: string;
  /** Templates given as source text, by name (checked before `dir`). */
  sources?: Record<string, string>;
  /** Re-read files on every render (development). Default false: compiled once, cached. */
  noCache?: boolean;
}

interface Compiled {
  render: Render;
  layout: string | null;
}

/**
 * A small template engine. Variables are HTML-escaped unless written `{{{ raw }}}`; blocks
 * are `#if`/`#unless`/`#each` with `{{else}}`; `{{> name}}` includes a partial; a first line
 * `{{!< layout}}` renders the page inside a layout, which places it with `{{{ body }}}`.
 * Each template is parsed and compiled to a function once, then cached.
 */
export class Templates {
  private readonly cache = new Map<string, Compiled>();
  private readonly sources: Map<string, string>;
  private readonly dir: string | undefined;
  private readonly noCache: boolean;

  constructor(opts: TemplateOptions = {}) {
    this.sources = new Map(Object.entries(opts.sources ?? {}));
    this.dir = opts.dir;
    this.noCache = opts.noCache ?? false;
  }

  /** Adds or replaces a template from source. */
  register(name: string, source: string): this {
    this.sources.set(name, source);
    this.cache.delete(name);
    return this;
  }

  /** Renders `name` with `data`; `layout` overrides the template's own `{{!< layout}}`. */
  render(name: string, data: unknown, opts: { layout?: string | null } = {}): string {
    const t = this.get(name);
    const root: Scope = { value: data, parent: null, meta: null };
    const partial = (pname: string, scope: Scope, depth = 0): string => {
      if (depth > 20) throw new TemplateError(name, `partials nest too deeply (at "${pname}").`, 0);
      return this.get(pname).render(scope, (n, s) => partial(n, s, depth + 1));
    };
    let html = t.render(root, partial);
    let layout = opts.layout === undefined ? t.layout : opts.layout;
    const seen = new Set<string>();
    while (layout) {
      if (seen.has(layout)) throw new TemplateError(name, `layout "${layout}" includes itself.`, 0);
      seen.add(layout);
      const l = this.get(layout);
      const scope: Scope = { value: { body: new SafeHtml(html) }, parent: root, meta: null };
      html = l.render(scope, partial);
      layout = l.layout;
    }
    return html;
  }

  /** Compiles a template source to a render function without registering it. */
  static compile(source: string, name = 'inline'): (data: unknown) => string {
    const p = parseTemplate(source, name);
    const fn = compileNodes(p.nodes);
    const noPartials = (n: string) => {
      throw new TemplateError(name, `partial "${n}" needs a Templates engine.`, 0);
    };
    return (data) => fn({ value: data, parent: null, meta: null }, noPartials);
  }

  private get(name: string): Compiled {
    const hit = this.noCache ? undefined : this.cache.get(name);
    if (hit) return hit;
    const parsed = parseTemplate(this.load(name), name);
    const c: Compiled = { render: compileNodes(parsed.nodes), layout: parsed.layout };
    this.cache.set(name, c);
    return c;
  }

  private load(name: string): string {
    const src = this.sources.get(name);
    if (src !== undefined) return src;
    if (this.dir === undefined) throw new TemplateError(name, 'no such template.', 0);
    const base = resolve(this.dir);
    const file = resolve(base, `${name}.html`);
    const rel = relative(base, file);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new TemplateError(name, 'template names may not leave the folder.', 0);
    try {
      return readFileSync(join(base, rel), 'utf8');
    } catch {
      throw new TemplateError(name, `no file ${rel} in the templates folder.`, 0);
    }
  }
}
