import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOKEN_FILE = 'token';

export function newToken(): string {
  return randomBytes(32).toString('hex');
}

/** Writes DATA/token readable by its owner only (0600), replacing any old one atomically. */
export function writeTokenFile(dataDir: string, token: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, TOKEN_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** The token stored in DATA/token, created (32 random bytes, hex) on first start. */
export function loadOrCreateToken(dataDir: string): string {
  try {
    const text = readFileSync(join(dataDir, TOKEN_FILE), 'utf8').trim();
    if (text.length >= 16) return text;
  } catch {
    // no token yet: make one below
  }
  const token = newToken();
  writeTokenFile(dataDir, token);
  return token;
}

/** API.md: `--token`, else `LOUPE_TOKEN`, else DATA/token. */
export function resolveToken(dataDir: string, flag?: string, env: NodeJS.ProcessEnv = process.env): { token: string; source: 'flag' | 'env' | 'file' } {
  if (flag) return { token: flag, source: 'flag' };
  if (env.LOUPE_TOKEN) return { token: env.LOUPE_TOKEN, source: 'env' };
  return { token: loadOrCreateToken(dataDir), source: 'file' };
}
