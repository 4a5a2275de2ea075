import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, websocketFor } from '../../src/main/api/csp';
import { allowDevice, allowPermission } from '../../src/main/desktop/permissions';
import { APP_INDEX_URL, APP_ORIGIN, isTrustedFrame, rendererTarget } from '../../src/main/desktop/renderer-url';

/* The desktop shell's decisions, kept out of electron.ts so they run in Node. */

describe('which page the window loads', () => {
  it('loads loupe://app/ by default and in a packaged app, whatever ELECTRON_RENDERER_URL says', () => {
    expect(rendererTarget({ isPackaged: false, envUrl: undefined })).toEqual({ kind: 'app', url: APP_INDEX_URL, origin: APP_ORIGIN });
    const packaged = rendererTarget({ isPackaged: true, envUrl: 'http://localhost:5173/' });
    expect(packaged).toMatchObject({ kind: 'app', url: APP_INDEX_URL, ignored: expect.stringMatching(/packaged/) });
  });

  it('uses the dev server only when unpackaged and on this machine over http', () => {
    expect(rendererTarget({ isPackaged: false, envUrl: 'http://localhost:5173/' })).toEqual({
      kind: 'dev',
      url: 'http://localhost:5173/',
      origin: 'http://localhost:5173',
    });
    for (const envUrl of ['https://evil.example/', 'http://192.168.1.5:5173/', 'file:///tmp/x.html', 'javascript:alert(1)', 'nonsense']) {
      expect(rendererTarget({ isPackaged: false, envUrl })).toMatchObject({ kind: 'app', ignored: expect.any(String) });
    }
  });

  it('trusts IPC only from frames of that page’s origin', () => {
    const app = rendererTarget({ isPackaged: true, envUrl: undefined });
    expect(isTrustedFrame(app, 'loupe://app/index.html')).toBe(true);
    expect(isTrustedFrame(app, 'loupe://app/library#x')).toBe(true);
    expect(isTrustedFrame(app, 'loupe://evil/index.html')).toBe(false);
    expect(isTrustedFrame(app, 'file:///work/out/renderer/index.html')).toBe(false);
    expect(isTrustedFrame(app, 'http://localhost:5173/')).toBe(false);
    const dev = rendererTarget({ isPackaged: false, envUrl: 'http://localhost:5173/' });
    expect(isTrustedFrame(dev, 'http://localhost:5173/index.html')).toBe(true);
    expect(isTrustedFrame(dev, 'http://localhost:5174/')).toBe(false);
    expect(isTrustedFrame(dev, 'http://localhost:5173.evil.example/')).toBe(false);
  });
});

describe('permissions', () => {
  const ask = (permission: string, requester = 'loupe://app/index.html', mediaTypes?: string[]) =>
    allowPermission({ permission, requester, mediaTypes }, APP_ORIGIN);

  it('grants the camera, video only, to the app’s own page and nothing else', () => {
    expect(ask('media', 'loupe://app/index.html', ['video'])).toBe(true);
    expect(ask('media', 'loupe://app', ['video'])).toBe(true);
    expect(ask('media', 'loupe://app/', ['video', 'audio'])).toBe(false);
    expect(ask('media', 'loupe://app/', ['audio'])).toBe(false);
    expect(ask('media', 'loupe://app/', [])).toBe(false);
    expect(ask('media', 'loupe://app/', ['unknown'])).toBe(false);
    expect(ask('media', 'loupe://app/')).toBe(false);
    expect(ask('media', 'https://evil.example/', ['video'])).toBe(false);
    expect(ask('media', 'file:///index.html', ['video'])).toBe(false);
  });

  it('refuses everything else, from anyone', () => {
    for (const p of [
      'geolocation',
      'notifications',
      'midi',
      'midiSysex',
      'hid',
      'serial',
      'usb',
      'openExternal',
      'clipboard-read',
      'fileSystem',
      'display-capture',
      'pointerLock',
      'unknown',
    ]) {
      expect({ p, allowed: ask(p) }).toEqual({ p, allowed: false });
    }
    expect(ask('clipboard-sanitized-write')).toBe(true);
    expect(ask('clipboard-sanitized-write', 'http://127.0.0.1:9999/')).toBe(false);
    expect(allowDevice()).toBe(false);
  });
});

describe('Content-Security-Policy', () => {
  const directive = (csp: string, name: string) => csp.split('; ').find((d) => d.startsWith(name + ' '));

  it('the desktop page: no inline script, no socket at all', () => {
    const csp = contentSecurityPolicy();
    expect(directive(csp, 'script-src')).toBe("script-src 'self'");
    expect(directive(csp, 'connect-src')).toBe("connect-src 'self'");
    expect(csp).not.toMatch(/\*/);
    expect(directive(csp, 'object-src')).toBe("object-src 'none'");
    expect(directive(csp, 'frame-ancestors')).toBe("frame-ancestors 'none'");
  });

  it('the served page names its own port, and only it', () => {
    const csp = contentSecurityPolicy({ websocket: websocketFor('http://127.0.0.1:41234') });
    expect(directive(csp, 'connect-src')).toBe("connect-src 'self' ws://127.0.0.1:41234");
    expect(csp).not.toMatch(/:\*/);
  });

  it('drops a socket source that could widen the policy', () => {
    expect(websocketFor('http://127.0.0.1:*')).toBeNull();
    expect(websocketFor('http://127.0.0.1:80; script-src *')).toBeNull();
    expect(websocketFor('http://a b')).toBeNull();
    expect(websocketFor('ftp://127.0.0.1')).toBeNull();
    expect(directive(contentSecurityPolicy({ websocket: 'ws://x; script-src *' }), 'connect-src')).toBe("connect-src 'self'");
  });

  it('the dev server: its inline preamble and its hot-reload socket, nothing wider', () => {
    const csp = contentSecurityPolicy({ devServer: 'http://localhost:5173' });
    expect(directive(csp, 'script-src')).toBe("script-src 'self' 'unsafe-inline' http://localhost:5173");
    expect(directive(csp, 'connect-src')).toBe("connect-src 'self' http://localhost:5173 ws://localhost:5173");
    expect(directive(contentSecurityPolicy({ devServer: 'http://evil.example' }), 'script-src')).toBe("script-src 'self'");
  });
});
