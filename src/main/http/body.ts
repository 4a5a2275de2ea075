import type { IncomingMessage } from 'node:http';
import { HttpError, errors } from './errors';

/**
 * Reads a request body into one Buffer, enforcing `limit` while the bytes arrive (and from
 * Content-Length before any arrive), so an oversized or endless chunked body is cut off
 * before the handler sees any of it.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    const n = Number(declared);
    if (n > limit) {
      drop(req);
      return Promise.reject(tooLarge(limit));
    }
    if (n === 0) return Promise.resolve(EMPTY);
  } else if (req.headers['transfer-encoding'] === undefined) {
    return Promise.resolve(EMPTY);
  }
  if (req.readableEnded) return Promise.resolve(EMPTY);
  return new Promise<Buffer>((resolve, reject) => {
    let first: Buffer | null = null;
    let chunks: Buffer[] | null = null;
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        drop(req);
        reject(tooLarge(limit));
        return;
      }
      if (first === null) first = chunk;
      else (chunks ??= [first]).push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks !== null ? Buffer.concat(chunks, size) : (first ?? EMPTY));
    };
    const onAbort = () => {
      cleanup();
      reject(new HttpError(400, 'body_incomplete', 'The request body ended before it was complete.'));
    };
    const onError = () => onAbort();
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAbort);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAbort);
    req.on('error', onError);
  });
}

const EMPTY = Buffer.alloc(0);

function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'payload_too_large', `Body is larger than the limit of ${limit} bytes.`, {
    headers: { Connection: 'close' },
  });
}

/** Stops reading an unwanted body; the connection is closed after the answer. */
function drop(req: IncomingMessage): void {
  req.pause();
  req.unpipe();
}

/** True when the request declares that it carries a body at all. */
export function hasBody(req: IncomingMessage): boolean {
  const cl = req.headers['content-length'];
  if (cl !== undefined) return cl !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

/** The media type of the request without parameters, lower-cased; '' when absent. */
export function mediaType(req: IncomingMessage): string {
  const ct = req.headers['content-type'];
  if (ct === undefined) return '';
  const semi = ct.indexOf(';');
  return (semi === -1 ? ct : ct.slice(0, semi)).trim().toLowerCase();
}

export function isJsonType(type: string): boolean {
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses JSON text and refuses keys that poison prototypes when merged into objects. The
 * tree is only walked when the raw text could contain such a key (or a \u escape that
 * spells one), so ordinary bodies pay one substring scan.
 */
export function parseJsonSafe(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw errors.badRequest(`Body is not valid JSON: ${(err as Error).message}`);
  }
  if (
    typeof value === 'object' &&
    value !== null &&
    (text.includes('proto') || text.includes('constructor') || text.includes('\\u'))
  ) {
    const bad = findForbiddenKey(value);
    if (bad !== null) {
      throw new HttpError(400, 'forbidden_key', `Key "${bad}" is not allowed in a request body.`);
    }
  }
  return value;
}

export function findForbiddenKey(root: unknown): string | null {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      for (const item of node) if (typeof item === 'object' && item !== null) stack.push(item);
      continue;
    }
    for (const key of Object.keys(node)) {
      if (FORBIDDEN_KEYS.has(key)) return key;
      const child = (node as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
  return null;
}

export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key) || key in Object.prototype;
}

/** Parses `a=1&b=2&b=3` into a prototype-free record; repeated keys become arrays. */
export function parseUrlEncoded(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [k, v] of new URLSearchParams(text)) {
    if (isForbiddenKey(k)) throw new HttpError(400, 'forbidden_key', `Field "${k}" is not allowed in a request body.`);
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[k] = [prev, v];
  }
  return out;
}
