import type { LoupeClient } from '../../shared/contract';
import { createWsClient } from './ws-client';

/**
 * Makes sure `window.loupe` exists before React mounts. In Electron the preload already
 * put a frozen client there; in a browser we build the WebSocket client. After this the
 * app only ever calls `window.loupe`.
 */

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
 * taken out of the address bar at once (where a copied link would share it) and traded
 * for a session cookie; it is kept nowhere. A reload, or another tab, signs in with the
 * cookie alone.
 */
function takeToken(): string | null {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return null;
  history.replaceState(null, '', location.pathname + location.search);
  return decodeURIComponent(m[1]);
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
    throw new BootError('unauthorized', 'This page needs the access token. Open the full address that `loupe serve` printed (it ends in #token=…).');
  }
  if (!res.ok) throw new BootError('unavailable', `Loupe answered ${res.status} when signing in. Restart \`loupe serve\` and open the address it prints.`);
}

export async function ensureClient(): Promise<LoupeClient> {
  const existing = (window as { loupe?: LoupeClient }).loupe;
  if (existing) return existing;
  await openSession(takeToken());
  // From here on the HttpOnly cookie authenticates the WebSocket, uploads and thumbnails.
  const client = Object.freeze(createWsClient({ token: null }));
  Object.defineProperty(window, 'loupe', { value: client, writable: false, configurable: false, enumerable: true });
  return client;
}
