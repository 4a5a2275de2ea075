import type { PageId } from './pages';

/**
 * Where the person is, as a URL: `#/library/3/label/Shirt`, `#/train/3`, `#/scripts/5`.
 * Hash routing, because it works the same in `loupe serve` (any path serves index.html
 * only at `/`) and under Electron's custom scheme (no server to answer deep paths); Back
 * and Forward move through these entries. DOM-free, so it is tested in Node.
 */
export interface Route {
  page: PageId;
  /** The dataset (Library, Train) or script (Scripts) the page shows. */
  id?: string;
  /** Library: the grid's filter, e.g. `label/Shirt`, `unlabelled`. */
  view?: string;
  /** Library: the grid's finer filters and sort (`?predicted=Sneaker&min=0.9&sort=-confidence`). */
  params?: Record<string, string>;
}

const PAGES: readonly PageId[] = ['library', 'train', 'play', 'scripts', 'tasks', 'settings'];

export function parseRoute(hash: string): Route | null {
  // Path parts encode a literal `?` (encodeURIComponent), so the first one starts the parameters.
  const q = hash.indexOf('?');
  const path = q < 0 ? hash : hash.slice(0, q);
  const m = /^#\/([a-z]+)(?:\/([^/?#]+))?(?:\/(.+))?$/.exec(path);
  if (!m || !PAGES.includes(m[1] as PageId)) return null;
  const route: Route = { page: m[1] as PageId };
  if (m[2]) route.id = safeDecode(m[2]);
  if (m[3]) route.view = m[3].split('/').map(safeDecode).join('/');
  if (q >= 0) {
    const params = Object.fromEntries(new URLSearchParams(hash.slice(q + 1)));
    if (Object.keys(params).length > 0) route.params = params;
  }
  return route;
}

export function formatRoute(r: Route): string {
  let out = `#/${r.page}`;
  if (r.id) out += `/${encodeURIComponent(r.id)}`;
  if (r.id && r.view) out += `/${r.view.split('/').map(encodeURIComponent).join('/')}`;
  // Sorted, so the same filters always make the same address (sameRoute compares addresses).
  const params = Object.entries(r.params ?? {})
    .filter(([, v]) => v !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (r.id && params.length > 0) out += `?${new URLSearchParams(params).toString()}`;
  return out;
}

export function sameRoute(a: Route, b: Route): boolean {
  return formatRoute(a) === formatRoute(b);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
