import { originOf } from './renderer-url';

/**
 * What the desktop window may be granted. Electron grants most permissions by default;
 * Loupe refuses every one except what the app itself uses, and only to its own page:
 * writing to the clipboard (Settings' copy buttons) and the camera, video only, for
 * Play's webcam. No microphone, no notifications, geolocation, MIDI, HID, serial or USB.
 */
export interface PermissionAsk {
  /** Electron's permission name ('media', 'clipboard-sanitized-write', 'geolocation', …). */
  permission: string;
  /** The URL or origin of the frame that asks. */
  requester: string;
  /** For 'media': what is asked ('video', 'audio'); unknown or empty is refused. */
  mediaTypes?: readonly string[];
}

const APP_PERMISSIONS = new Set(['media', 'clipboard-sanitized-write']);

export function allowPermission(ask: PermissionAsk, appOrigin: string): boolean {
  if (!APP_PERMISSIONS.has(ask.permission)) return false;
  if (originOf(ask.requester) !== appOrigin) return false;
  if (ask.permission === 'media') {
    const types = ask.mediaTypes ?? [];
    return types.length > 0 && types.every((t) => t === 'video');
  }
  return true;
}

/** USB, HID, serial and Bluetooth devices: Loupe uses none. */
export function allowDevice(): boolean {
  return false;
}
