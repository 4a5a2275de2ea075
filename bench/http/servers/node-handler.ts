import type { IncomingMessage, ServerResponse } from 'node:http';
import { BODY_LIMIT, HELLO, RESOURCES } from './shared';

// Bare node:http: hand routing, a 1 MiB streamed body limit, JSON.parse; no framework,
// and (like the bare platform) no prototype-poisoning guard.
const resources = new Set(RESOURCES);

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function echo(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > BODY_LIMIT) {
      json(res, 413, { error: 'too large' });
      req.destroy();
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    try {
      json(res, 200, JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch {
      json(res, 400, { error: 'bad json' });
    }
  });
}

/** The bare request listener; served by node.ts, called in-process by overhead.ts. */
export function bareHandler(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (req.method === 'GET') {
    if (path === '/hello') return json(res, 200, HELLO);
    const parts = path.split('/');
    if (parts[1] === 'users' && parts.length === 3) return json(res, 200, { id: parts[2] });
    if (resources.has(parts[1])) {
      if (parts.length === 2) return json(res, 200, { items: [] });
      if (parts.length === 3) return json(res, 200, parts[2] === 'search' ? { items: [] } : { id: parts[2] });
      if (parts.length === 4 && parts[3] === 'sub') return json(res, 200, { id: parts[2], items: [] });
      if (parts.length === 5 && parts[3] === 'sub') return json(res, 200, { id: parts[2], subId: parts[4] });
    }
  } else if (req.method === 'POST' && path === '/echo') return echo(req, res);
  json(res, 404, { error: 'not found' });
}
