import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { contentSecurityPolicy } from '../api/csp';
import { contentTypeFor } from '../http/mime';
import { APP_HOST, APP_SCHEME } from './renderer-url';

/**
 * `loupe://app/…`: the built renderer folder (out/renderer), served to the desktop window
 * by protocol.handle in electron.ts. Only files inside that folder answer; `..`, encoded
 * or not, backslashes, NUL bytes and symlinks that lead out are refused, whatever the
 * page asks for.
 */

export type AppFile = { ok: true; path: string } | { ok: false; status: 400 | 404; reason: string };

/** The file a loupe://app URL names inside `root`, or why there is none (before touching the disk). */
export function appFilePath(root: string, url: string): AppFile {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, status: 400, reason: 'not a URL' };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return { ok: false, status: 404, reason: 'not loupe://app' };
  // Encoded separators and NULs never name a file of ours; refuse before decoding hides them.
  if (/%(?:2f|5c|00)/i.test(u.pathname)) return { ok: false, status: 400, reason: 'encoded separator' };
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return { ok: false, status: 400, reason: 'bad escape' };
  }
  if (path.includes('\\') || path.includes('\0')) return { ok: false, status: 400, reason: 'backslash or NUL' };
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return { ok: false, status: 400, reason: 'dot segment' };
  // Pages are routed inside the app, so a path without an extension is the page itself.
  const rel = segments.length === 0 || extname(segments[segments.length - 1]) === '' ? ['index.html'] : segments;
  const full = resolve(root, ...rel);
  const back = relative(resolve(root), full);
  if (back === '' || back.startsWith('..') || isAbsolute(back)) return { ok: false, status: 400, reason: 'outside the folder' };
  return { ok: true, path: full };
}

function inside(rootReal: string, fileReal: string): boolean {
  return fileReal.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep);
}

/** The whole answer for a loupe://app request: the file with its type and the page's CSP, or a plain 4xx. */
export async function serveAppFile(root: string, url: string): Promise<Response> {
  const found = appFilePath(root, url);
  if (!found.ok) return new Response(found.status === 404 ? 'Not found' : 'Bad request', { status: found.status });
  try {
    const [rootReal, fileReal] = await Promise.all([realpath(root), realpath(found.path)]);
    // A symlink inside out/renderer that points elsewhere is not one of the app's files.
    if (!inside(rootReal, fileReal) || !(await stat(fileReal)).isFile()) return new Response('Not found', { status: 404 });
    const body = await readFile(fileReal);
    return new Response(new Uint8Array(body), {
      status: 200,
      headers: {
        'content-type': contentTypeFor(fileReal),
        'content-security-policy': contentSecurityPolicy(),
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-cache',
      },
    });
  } catch {
    return new Response('Not found', { status: 404 });
  }
}
