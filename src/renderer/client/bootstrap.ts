import type { LoupeClient } from '../../shared/contract';
import { createWsClient } from './ws-client';

/**
 * Makes sure `window.loupe` exists before React mounts. In Electron the preload already
 * put a frozen client there; in a browser we build the WebSocket client. After this the
 * app only ever calls `window.loupe`.
 */

const TOKEN_KEY = 'loupe.token';

export class BootError extends Error {
  constructor(
    readonly code: 'unauthorized' | 'unavailable',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The token arrives once in the address (`#token=…`, printed by `loupe serve`). It is
 * moved to this tab's session storage (so a reload keeps working) and taken out of the
 * address bar, where it would be shared with a copied link.
 */
function takeToken(): string | null {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    const token = decodeURIComponent(m[1]);
    sessionStorage.setItem(TOKEN_KEY, token);
    history.replaceState(null, '', location.pathname + location.search);
    return token;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

async function openSession(token: string | null): Promise<void> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch('/v1/session', { method: 'POST', headers, credentials: 'same-origin' });
  } catch {
    throw new BootError('unavailable', 'Cannot reach Loupe. Start it with `loupe serve` and open the address it prints.');
  }
  if (res.status === 401 || res.status === 403) {
    sessionStorage.removeItem(TOKEN_KEY);
    throw new BootError(
      'unauthorized',
      'This page needs the access token. Open the full address that `loupe serve` printed (it ends in #token=…).',
    );
  }
  // Any other answer (an older server without sessions, say) is not fatal: the WebSocket
  // and uploads carry the token themselves.
}

export async function ensureClient(): Promise<LoupeClient> {
  const existing = (window as { loupe?: LoupeClient }).loupe;
  if (existing) return existing;
  const token = takeToken();
  await openSession(token);
  const client = Object.freeze(createWsClient({ token }));
  Object.defineProperty(window, 'loupe', { value: client, writable: false, configurable: false, enumerable: true });
  return client;
}
