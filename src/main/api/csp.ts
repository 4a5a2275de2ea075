/**
 * The page's Content-Security-Policy, one builder for every way the page is served: the
 * desktop window (loupe://app, which talks over IPC and needs no socket), the dev server
 * (Vite's hot reload socket), and `loupe serve` (the /ipc socket on its own port). The
 * WebSocket source always names one origin, never "any local port": a policy that allowed
 * `ws://127.0.0.1:*` would let an injected script talk to whatever else listens locally.
 */
export interface CspOptions {
  /** The one WebSocket origin the page may open (`ws://127.0.0.1:PORT`); none when absent. */
  websocket?: string | null;
  /** The dev server's origin (`http://localhost:5173`): its inline preamble, modules and socket. */
  devServer?: string | null;
}

/** `ws://host:port` (or wss) with nothing else, or null: a source that could widen the policy is dropped. */
export function websocketSource(origin: string): string | null {
  return /^wss?:\/\/(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i.test(origin) ? origin.toLowerCase() : null;
}

/** `http://host:port` → `ws://host:port`; null for anything that is not a plain http(s) origin. */
export function websocketFor(httpOrigin: string): string | null {
  const m = /^(https?):\/\/([^/?#\s]+)$/i.exec(httpOrigin);
  if (!m) return null;
  return websocketSource(`${m[1].toLowerCase() === 'https' ? 'wss' : 'ws'}://${m[2]}`);
}

export function contentSecurityPolicy(opts: CspOptions = {}): string {
  const dev = opts.devServer ? (/^https?:\/\/(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i.exec(opts.devServer)?.[0] ?? null) : null;
  const sockets = [opts.websocket ? websocketSource(opts.websocket) : null, dev ? websocketFor(dev) : null].filter((s): s is string => s !== null);
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'self'"]],
    // Vite's dev preamble (React refresh) is an inline script; the built page has none.
    ['script-src', dev ? ["'self'", "'unsafe-inline'", dev] : ["'self'"]],
    ['img-src', ["'self'", 'loupe-thumb:', 'data:', 'blob:']],
    ['style-src', ["'self'", "'unsafe-inline'"]],
    ['connect-src', ["'self'", ...(dev ? [dev] : []), ...sockets]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
  ];
  return directives.map(([name, sources]) => `${name} ${[...new Set(sources)].join(' ')}`).join('; ');
}
