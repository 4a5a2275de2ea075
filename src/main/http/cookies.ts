/** Cookie header parsing and Set-Cookie serialisation (RFC 6265 subset browsers use). */
export interface CookieOptions {
  maxAge?: number;
  expires?: Date;
  path?: string;
  domain?: string;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: 'Strict' | 'Lax' | 'None';
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (!header) return out;
  let i = 0;
  const len = header.length;
  while (i < len) {
    let end = header.indexOf(';', i);
    if (end === -1) end = len;
    const eq = header.indexOf('=', i);
    if (eq !== -1 && eq < end) {
      const name = header.slice(i, eq).trim();
      if (name && !(name in out)) {
        let value = header.slice(eq + 1, end).trim();
        if (value.charCodeAt(0) === 34 && value.charCodeAt(value.length - 1) === 34) value = value.slice(1, -1);
        out[name] = safeDecode(value);
      }
    }
    i = end + 1;
  }
  return out;
}

function safeDecode(v: string): string {
  if (v.indexOf('%') === -1) return v;
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

const NAME_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function serializeCookie(name: string, value: string, opts: CookieOptions = {}): string {
  if (!NAME_RE.test(name)) throw new Error(`Invalid cookie name "${name}".`);
  let out = `${name}=${encodeURIComponent(value)}`;
  if (opts.maxAge !== undefined) out += `; Max-Age=${Math.floor(opts.maxAge)}`;
  if (opts.expires) out += `; Expires=${opts.expires.toUTCString()}`;
  out += `; Path=${opts.path ?? '/'}`;
  if (opts.domain) out += `; Domain=${opts.domain}`;
  if (opts.secure) out += '; Secure';
  if (opts.httpOnly ?? true) out += '; HttpOnly';
  out += `; SameSite=${opts.sameSite ?? 'Lax'}`;
  return out;
}
