/**
 * Rows have integer keys; everything above the store sees strings (API.md: "Identifiers
 * are strings"). A string that is not a row key is simply not found, never an error.
 */
export function toRowId(id: string): number | null {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return null;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : null;
}

export function toId(rowId: number | bigint): string {
  return String(rowId);
}

/**
 * Keyset cursors are opaque to callers: the last row id of the page, base64url-encoded so
 * nobody is tempted to do arithmetic on it. A malformed cursor reads as "from the start"
 * is wrong (it would repeat pages), so it yields null and the caller reports it.
 */
export function encodeCursor(lastRowId: number): string {
  return Buffer.from(`i:${lastRowId}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^i:([0-9]{1,16})$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : null;
}

/** A cursor for pages in another order than by id: the last row's sort key and id. */
export function encodeKeyCursor(key: string | number, lastRowId: number): string {
  return Buffer.from(`k:${JSON.stringify([key, lastRowId])}`, 'utf8').toString('base64url');
}

export function decodeKeyCursor(cursor: string): { key: string | number; id: number } | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('k:')) return null;
  try {
    const v = JSON.parse(text.slice(2)) as unknown;
    if (!Array.isArray(v) || v.length !== 2) return null;
    const [key, id] = v as [unknown, unknown];
    if ((typeof key !== 'string' && typeof key !== 'number') || typeof id !== 'number' || !Number.isSafeInteger(id)) return null;
    return { key, id };
  } catch {
    return null;
  }
}

export class InvalidCursorError extends Error {
  constructor() {
    super('The page cursor is not valid; start again without one.');
    this.name = 'InvalidCursorError';
  }
}

export function nowIso(): string {
  return new Date().toISOString();
}
