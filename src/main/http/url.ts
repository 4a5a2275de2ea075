/**
 * Normalises a request path for routing: percent-escapes are decoded once, except `%2F`
 * and `%25`, which stay encoded so an escaped slash can never create a path segment and
 * nothing is decoded twice. Absolute-form targets (`GET http://host/x`) use their path.
 * Returns null for a path that is not valid (bad escape, not origin-form).
 */
export function decodePath(raw: string): string | null {
  let p = raw;
  if (p.charCodeAt(0) !== 47) {
    if (!/^https?:\/\//i.test(p)) return null;
    try {
      p = new URL(p).pathname;
    } catch {
      return null;
    }
  }
  if (p.indexOf('%') === -1) return p;
  if (/%(?![0-9A-Fa-f]{2})/.test(p)) return null;
  try {
    return p.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) =>
      run
        .split(/(%2[Ff]|%25)/)
        .map((part, i) => (i % 2 === 1 ? part.toUpperCase() : decodeURIComponent(part)))
        .join(''),
    );
  } catch {
    return null;
  }
}

/** Decodes the two escapes `decodePath` kept, inside one parameter value. */
export function decodeParam(v: string): string {
  return v.indexOf('%') === -1 ? v : v.replace(/%2F/g, '/').replace(/%25/g, '%');
}
