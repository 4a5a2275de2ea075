/**
 * Where the desktop window loads its page from. The built page comes from Loupe's own
 * privileged scheme (`loupe://app/`, see app-scheme.ts) rather than file://, so it is an
 * origin of its own, not "every file on the disk". `ELECTRON_RENDERER_URL` (electron-vite's
 * dev server) counts only in an unpackaged build: in an installed app an environment
 * variable must not be able to point the window, and the IPC it trusts, at another page.
 */
export const APP_SCHEME = 'loupe';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

export interface RendererTarget {
  /** `dev`: the Vite dev server; `app`: the built page over loupe://app/. */
  kind: 'dev' | 'app';
  url: string;
  /** The origin whose frames the IPC transport trusts. */
  origin: string;
  /** Why ELECTRON_RENDERER_URL was not used, when it was set. */
  ignored?: string;
}

/** `scheme://host[:port]` of a URL, for any scheme (Node's URL says "null" for non-web schemes). */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    if (!u.host) return null;
    return `${u.protocol}//${u.host}`.toLowerCase();
  } catch {
    return null;
  }
}

export function rendererTarget(opts: { isPackaged: boolean; envUrl: string | undefined }): RendererTarget {
  const app: RendererTarget = { kind: 'app', url: APP_INDEX_URL, origin: APP_ORIGIN };
  if (!opts.envUrl) return app;
  if (opts.isPackaged) return { ...app, ignored: 'ELECTRON_RENDERER_URL is ignored in a packaged app.' };
  const origin = originOf(opts.envUrl);
  // The dev server runs on this machine; anything else is not a dev server of ours.
  if (origin === null || !/^http:\/\/(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/.test(origin)) {
    return { ...app, ignored: `ELECTRON_RENDERER_URL must be an http:// address on this machine, not ${opts.envUrl}.` };
  }
  return { kind: 'dev', url: opts.envUrl, origin };
}

/** IPC is answered only for frames of the page Loupe loaded: same scheme, host and port. */
export function isTrustedFrame(target: RendererTarget, frameUrl: string): boolean {
  return originOf(frameUrl) === target.origin;
}
