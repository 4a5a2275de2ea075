import type { Key } from './context';
import type { Handler, Middleware, PathContext, RouteOptions, RouteSchema, SchemaContext } from './types';
import { joinPaths } from './router-pattern';
import type { WsHandler, WsOptions } from './websocket';

/** A route as registered, before prefixes and middleware of enclosing groups are applied. */
export interface RouteDef {
  method: string;
  path: string;
  middleware: Middleware[];
  handler: Handler;
  options: RouteOptions;
  ws?: { handler: WsHandler; options: WsOptions };
}

/** Bumped by every registration anywhere, so an app can tell in O(1) whether to recompile. */
let epoch = 0;
export function registryEpoch(): number {
  return epoch;
}

interface Child {
  prefix: string;
  blueprint: Blueprint;
}

type Handlers<C> = [...Middleware[], Handler<C & import('./context').Context>];

/**
 * A set of routes with its own middleware, mountable under a prefix (`app.mount`). Groups
 * are blueprints created inline (`app.group('/v1', (g) => ...)`). An App is a blueprint
 * too, so a whole app can be mounted inside another.
 */
export class Blueprint {
  /** @internal */ readonly defs: RouteDef[] = [];
  /** @internal */ readonly children: Child[] = [];
  /** @internal */ readonly middleware: Middleware[] = [];
  /** @internal */ readonly provided = new Map<Key<unknown> | string, unknown>();
  /** @internal Bumped on every change so the app knows to rebuild its router. */
  private _version = 0;
  get version(): number {
    return this._version;
  }
  set version(v: number) {
    this._version = v;
    epoch++;
  }

  /** Adds middleware for this blueprint's routes (for an App: for every request, 404s included). */
  use(...mws: Middleware[]): this {
    this.middleware.push(...mws);
    this.version++;
    return this;
  }

  provide<T>(k: Key<T> | string, value: T): this {
    this.provided.set(k as Key<unknown> | string, value);
    this.version++;
    return this;
  }

  get<P extends string>(path: P, ...handlers: Handlers<PathContext<P>>): this;
  get<P extends string, S extends RouteSchema>(path: P, options: RouteOptions<S>, ...handlers: Handlers<SchemaContext<P, S>>): this;
  get(path: string, ...rest: unknown[]): this {
    return this.add('GET', path, rest);
  }
  post<P extends string>(path: P, ...handlers: Handlers<PathContext<P>>): this;
  post<P extends string, S extends RouteSchema>(path: P, options: RouteOptions<S>, ...handlers: Handlers<SchemaContext<P, S>>): this;
  post(path: string, ...rest: unknown[]): this {
    return this.add('POST', path, rest);
  }
  put<P extends string>(path: P, ...handlers: Handlers<PathContext<P>>): this;
  put<P extends string, S extends RouteSchema>(path: P, options: RouteOptions<S>, ...handlers: Handlers<SchemaContext<P, S>>): this;
  put(path: string, ...rest: unknown[]): this {
    return this.add('PUT', path, rest);
  }
  patch<P extends string>(path: P, ...handlers: Handlers<PathContext<P>>): this;
  patch<P extends string, S extends RouteSchema>(path: P, options: RouteOptions<S>, ...handlers: Handlers<SchemaContext<P, S>>): this;
  patch(path: string, ...rest: unknown[]): this {
    return this.add('PATCH', path, rest);
  }
  delete<P extends string>(path: P, ...handlers: Handlers<PathContext<P>>): this;
  delete<P extends string, S extends RouteSchema>(path: P, options: RouteOptions<S>, ...handlers: Handlers<SchemaContext<P, S>>): this;
  delete(path: string, ...rest: unknown[]): this {
    return this.add('DELETE', path, rest);
  }
  /** Any other method (e.g. `PROPFIND`), or one of the above by name. */
  route(method: string, path: string, ...rest: unknown[]): this {
    return this.add(method.toUpperCase(), path, rest);
  }

  /**
   * A WebSocket endpoint. The upgrade request runs through the same middleware as any GET
   * (auth, Host and Origin checks) before the handshake; a plain GET gets 426.
   */
  ws<P extends string>(path: P, handler: WsHandler<PathContext<P>>, options: WsOptions = {}): this {
    const def: RouteDef = {
      method: 'GET',
      path,
      middleware: [],
      handler: () => undefined,
      options: { timeoutMs: 0, summary: options.summary ?? 'WebSocket endpoint', description: options.description, tags: options.tags },
      ws: { handler: handler as WsHandler, options },
    };
    this.defs.push(def);
    this.version++;
    return this;
  }

  /** Routes under a common prefix with their own middleware. */
  group(prefix: string, build: (g: Blueprint) => void): this {
    const g = new Blueprint();
    build(g);
    return this.mount(prefix, g);
  }

  /** Mounts a blueprint (or a whole App) under `prefix`. Routes added to it later are seen too. */
  mount(prefix: string, bp: Blueprint): this {
    if (bp === this) throw new Error('A blueprint cannot be mounted inside itself.');
    this.children.push({ prefix, blueprint: bp });
    this.version++;
    return this;
  }

  private add(method: string, path: string, rest: unknown[]): this {
    let options: RouteOptions = {};
    let fns = rest;
    if (rest.length > 0 && typeof rest[0] === 'object' && rest[0] !== null) {
      options = rest[0] as RouteOptions;
      fns = rest.slice(1);
    }
    if (fns.length === 0 || !fns.every((f) => typeof f === 'function')) {
      throw new Error(`Route ${method} ${path} needs a handler function.`);
    }
    const handler = fns[fns.length - 1] as Handler;
    const middleware = fns.slice(0, -1) as Middleware[];
    this.defs.push({ method, path, middleware, handler, options });
    this.version++;
    return this;
  }

  /** @internal Every route with full path and the middleware of each enclosing blueprint. */
  flatten(prefix = '', outer: Middleware[] = [], includeOwnMiddleware = true, seen = new Set<Blueprint>()): RouteDef[] {
    if (seen.has(this)) throw new Error('A blueprint is mounted inside itself.');
    seen.add(this);
    const mws = includeOwnMiddleware ? [...outer, ...this.middleware] : outer;
    const out: RouteDef[] = [];
    for (const d of this.defs) {
      out.push({ ...d, path: joinPaths(prefix, d.path), middleware: [...mws, ...d.middleware] });
    }
    for (const c of this.children) out.push(...c.blueprint.flatten(joinPaths(prefix, c.prefix), mws, true, seen));
    seen.delete(this);
    return out;
  }

  /** @internal Services provided anywhere in the tree; the outermost wins on a clash. */
  collectProvided(into: Map<Key<unknown> | string, unknown>): void {
    for (const [k, v] of this.provided) if (!into.has(k)) into.set(k, v);
    for (const c of this.children) c.blueprint.collectProvided(into);
  }
}
