/** Copies text; falls back to a hidden field where the Clipboard API is missing (plain-HTTP origins other than loopback). */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the old way
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

/**
 * The browser shell signs in with a cookie signed by the token: after a new token the page
 * trades it for a fresh cookie, so thumbnails and uploads keep working without a reload.
 */
export async function renewBrowserSession(token: string): Promise<void> {
  if (window.loupe.shell !== 'browser') return;
  await fetch('/v1/session', { method: 'POST', headers: { Authorization: `Bearer ${token}` }, credentials: 'same-origin' });
}

/** An origin as CORS compares it (`scheme://host[:port]`), or an error sentence. */
export function parseOrigin(text: string): { origin: string } | { error: string } {
  const t = text.trim();
  if (!t) return { error: 'Type an origin, such as http://localhost:3000.' };
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    return { error: `“${t}” is not an address; write it as http://host:port.` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: 'Only http:// and https:// origins can call the API.' };
  return { origin: url.origin };
}
